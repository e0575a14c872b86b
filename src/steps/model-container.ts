import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ContainerImage, ImageUsage } from '../container-image';
import { renderEnvironment } from './processing-step';
import { grantS3Location } from '../shared/s3';

/** A container of a model: its image, its model data, its environment. */
export interface ModelContainer {
  /** The inference image. */
  readonly image: ContainerImage;
  /**
   * The S3 URI of the model artifacts (`model.tar.gz`), for example a training step's `modelArtifactsS3Uri`.
   * @default - no model data (the image holds the model)
   */
  readonly modelDataUrl?: string;
  /**
   * Environment variables of the container.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * The container's host name (multi-container models).
   * @default - none
   */
  readonly containerHostname?: string;
}

/** Binds containers and renders them as the API's container definitions. @internal */
export function bindContainers(scope: Construct, containers: ModelContainer[], grantee: iam.IGrantable): Array<() => any> {
  return containers.map((c) => {
    const image = c.image.bind(scope, ImageUsage.INFERENCE, grantee).imageUri;
    if (c.modelDataUrl !== undefined) {
      grantS3Location(scope, grantee, c.modelDataUrl, false, 'modelDataUrl');
    }
    return () => ({
      ContainerHostname: c.containerHostname,
      Image: image,
      ModelDataUrl: c.modelDataUrl,
      Environment: renderEnvironment(c.environment),
    });
  });
}

/** Checks the containers of a model. @internal */
export function checkContainers(scope: Construct, containers: ModelContainer[], max: number): void {
  if (containers.length === 0) {
    throw new Error(`${scope.node.path}: no containers given; a model needs at least one`);
  }
  if (containers.length > max) {
    throw new Error(`${scope.node.path}: ${containers.length} containers given; at most ${max} are allowed`);
  }
  for (const c of containers) {
    if (c.modelDataUrl !== undefined && !Token.isUnresolved(c.modelDataUrl) && !/^(s3|https):\/\//.test(c.modelDataUrl)) {
      throw new Error(`${scope.node.path}: modelDataUrl is '${c.modelDataUrl}'; expected an S3 URI (s3://bucket/model.tar.gz) or a step's modelArtifactsS3Uri`);
    }
  }
}
