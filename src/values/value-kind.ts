/**
 * The type of a pipeline value, as SageMaker Pipelines sees it.
 */
export enum ValueKind {
  /** A string. */
  STRING = 'String',
  /** An integer. */
  INTEGER = 'Integer',
  /** A floating-point number. */
  FLOAT = 'Float',
  /** A boolean. */
  BOOLEAN = 'Boolean',
  /** A value whose type is known only at run time (for example a value read from a JSON property file). */
  ANY = 'Any',
}
