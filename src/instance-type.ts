import { Token } from 'aws-cdk-lib';

/**
 * An ML instance type (`ml.m5.xlarge`), or a token such as a pipeline parameter's `valueAsString`.
 */
export class InstanceType {
  /** ml.t3.medium */
  public static readonly ML_T3_MEDIUM = InstanceType.of('ml.t3.medium');
  /** ml.m5.large */
  public static readonly ML_M5_LARGE = InstanceType.of('ml.m5.large');
  /** ml.m5.xlarge */
  public static readonly ML_M5_XLARGE = InstanceType.of('ml.m5.xlarge');
  /** ml.m5.2xlarge */
  public static readonly ML_M5_2XLARGE = InstanceType.of('ml.m5.2xlarge');
  /** ml.c5.xlarge */
  public static readonly ML_C5_XLARGE = InstanceType.of('ml.c5.xlarge');
  /** ml.g5.xlarge */
  public static readonly ML_G5_XLARGE = InstanceType.of('ml.g5.xlarge');

  /** An instance type by name (`ml.m5.xlarge`), or a string token (`param.valueAsString`). */
  public static of(instanceType: string): InstanceType {
    if (!Token.isUnresolved(instanceType) && !/^ml\.[a-z0-9-]+\.[a-z0-9-]+$/.test(instanceType)) {
      throw new Error(`Invalid instance type '${instanceType}': expected an ML instance type such as 'ml.m5.xlarge'`);
    }
    return new InstanceType(instanceType);
  }

  private constructor(private readonly name: string) {}

  /** The instance type's name, or its token. */
  public toString(): string {
    return this.name;
  }
}
