/** A step fails when it runs (a JsonGet of a missing path, a comparison of values that cannot be compared). */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
  }
}
