/** A JSON document in S3 that a `JsonGet.fromS3Uri` reads: its URI, its name, and what is declared of it. */
export class S3JsonDocument {
  constructor(
    public readonly s3Uri: string,
    public readonly name: string,
    public readonly expectedPaths: string[] | undefined,
    public readonly sampleDocument: any,
  ) {}
}
