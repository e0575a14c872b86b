import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** Where the ground truth labels are, which SageMaker merges with the captured predictions. */
export interface GroundTruthLocation {
  /** The bucket of the labels. */
  readonly bucket: s3.IBucket;
  /** Their key prefix. */
  readonly prefix: string;
}

/** The window of captured data a model quality or bias job analyzes, back from its start. */
export interface AnalysisWindow {
  /** How far back the window starts (whole hours). @default 1 hour */
  readonly startOffset?: Duration;
  /** How far back the window ends (whole hours): ground truth often arrives late. @default 0 (now) */
  readonly endOffset?: Duration;
}

/** The window as the API's ISO 8601 negative offsets ("-PT1H"). @internal */
export function renderWindow(where: string, window: AnalysisWindow = {}): { startTimeOffset: string; endTimeOffset: string } {
  const hours = (d: Duration | undefined, fallback: number, name: string) => {
    const h = d === undefined ? fallback : d.toHours({ integral: false });
    if (!Number.isInteger(h) || h < 0) {
      throw new Error(`${where}: ${name} is ${d?.toHumanString()}; expected whole hours (0 or more)`);
    }
    return h;
  };
  const start = hours(window.startOffset, 1, 'window.startOffset');
  const end = hours(window.endOffset, 0, 'window.endOffset');
  if (start <= end) {
    throw new Error(`${where}: the window starts ${start} h back and ends ${end} h back; the start must be further back than the end`);
  }
  return { startTimeOffset: `-PT${start}H`, endTimeOffset: `-PT${end}H` };
}

/** Which parts of the captured output are the prediction and its probability. */
export interface PredictionAttributes {
  /** The attribute of the captured output that is the prediction (a CSV index or JSON path). @default - the whole output */
  readonly inferenceAttribute?: string;
  /** The attribute that is the probability (classification). @default - none */
  readonly probabilityAttribute?: string;
  /** The probability threshold of the positive class (binary classification), 0 to 1. @default - none */
  readonly probabilityThreshold?: number;
}

/** The endpoint input of a job that joins predictions with ground truth: the window and the attributes. @internal */
export function renderLabelledInput<T extends object>(where: string, endpointInput: T, attributes: PredictionAttributes, window?: AnalysisWindow): T {
  const threshold = attributes.probabilityThreshold;
  if (threshold !== undefined && (threshold < 0 || threshold > 1)) {
    throw new Error(`${where}: probabilityThreshold is ${threshold}; expected 0 to 1`);
  }
  return {
    ...endpointInput,
    ...renderWindow(where, window),
    inferenceAttribute: attributes.inferenceAttribute,
    probabilityAttribute: attributes.probabilityAttribute,
    probabilityThresholdAttribute: threshold,
  };
}

/** The job's ground truth input: the labels under the prefix, which the job's role may read. @internal */
export function bindGroundTruth(grantee: iam.IGrantable, groundTruth: GroundTruthLocation): { s3Uri: string } {
  const prefix = groundTruth.prefix.replace(/^\/+|\/+$/g, '');
  groundTruth.bucket.grantRead(grantee, `${prefix}/*`);
  return { s3Uri: `s3://${groundTruth.bucket.bucketName}/${prefix}` };
}
