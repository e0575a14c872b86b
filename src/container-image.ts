import * as sagemaker_alpha from '@aws-cdk/aws-sagemaker-alpha';
import { CfnMapping, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { grantEcrPull } from './shared/ecr';
import { frameworkImageRegistries } from './shared/framework-images';

/**
 * What an image is used for: SageMaker publishes separate training and inference images for some frameworks.
 */
export enum ImageUsage {
  /** Training and processing jobs. */
  TRAINING = 'training',
  /** Models (inference). */
  INFERENCE = 'inference',
}

/**
 * The processor type of a framework image.
 */
export enum Processor {
  /** CPU instances. */
  CPU = 'cpu',
  /** GPU instances. */
  GPU = 'gpu',
}

/** Options of the PyTorch framework image. */
export interface PyTorchImageOptions {
  /**
   * The Python version tag of the image (`py312`).
   * @default - the newest Python version published for that PyTorch version
   */
  readonly pythonVersion?: string;
  /**
   * CPU or GPU image.
   * @default Processor.CPU
   */
  readonly processor?: Processor;
}

/** The image's URI, once bound to a step. */
export interface ContainerImageConfig {
  /** The image URI (a string, or a CloudFormation token when the region is known only at deploy time). */
  readonly imageUri: string;
}

/**
 * A container image for a SageMaker job or model: a SageMaker framework image, an image in an ECR repository,
 * or any image URI.
 */
export abstract class ContainerImage {
  /**
   * The SageMaker XGBoost framework image (`1.7-1`, `1.5-1`, `3.0-5`, ...).
   */
  public static xgboost(version: string): ContainerImage {
    return new FrameworkImage('xgboost', version, () => version);
  }

  /**
   * The SageMaker scikit-learn framework image (`1.2-1`, `1.0-1`, ...).
   */
  public static sklearn(version: string): ContainerImage {
    return new FrameworkImage('sklearn', version, () => `${version}-cpu-py3`);
  }

  /**
   * The SageMaker PyTorch framework image (`2.6.0`, or an alias such as `2.6`).
   */
  public static pytorch(version: string, options: PyTorchImageOptions = {}): ContainerImage {
    return new FrameworkImage('pytorch', version, (resolved, info) => {
      const py = options.pythonVersion ?? info.py_versions[info.py_versions.length - 1];
      if (!info.py_versions.includes(py)) {
        throw new Error(`PyTorch ${resolved} images exist for Python ${info.py_versions.join(', ')}, not '${py}'`);
      }
      return `${resolved}-${options.processor ?? Processor.CPU}-${py}`;
    });
  }

  /**
   * An image in an ECR repository; the pipeline's role gets pull access to it.
   * @param tagOrDigest a tag (`latest`) or a digest (`sha256:...`)
   */
  public static fromEcrRepository(repository: ecr.IRepository, tagOrDigest: string = 'latest'): ContainerImage {
    return new EcrImage(repository, tagOrDigest);
  }

  /**
   * Any image URI. When it is an ECR image (`<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`), the
   * pipeline's role gets pull access to that repository; another registry's credentials are yours to arrange.
   */
  public static fromUri(uri: string): ContainerImage {
    if (!Token.isUnresolved(uri) && (uri.length === 0 || uri.length > 255 || /\s/.test(uri))) {
      throw new Error(`ContainerImage.fromUri: '${uri}' is not an image URI: expected 1 to 255 characters without white space`);
    }
    return new UriImage(uri);
  }

  /**
   * SageMaker Clarify's processing image, which `ClarifyCheckStepConstruct` runs (bias and explainability analyses).
   * @param version the image version
   */
  public static clarify(version: string = '1.0'): ContainerImage {
    return new FrameworkImage('clarify', version, (resolved) => resolved);
  }

  /**
   * The SageMaker Distribution image that notebook jobs run on (`NotebookJobStepConstruct`): repository
   * `sagemaker-distribution-prod`, tag `<version>-cpu` or `<version>-gpu`, registries per region from the SageMaker
   * Python SDK's image config (a region-agnostic stack looks the registry up in a mapping).
   * @param version the image version (3.2 is 3.2.0)
   * @param gpu the GPU variant
   */
  public static sagemakerDistribution(version: string = '3.2', gpu: boolean = false): ContainerImage {
    return new FrameworkImage('sagemaker-distribution', version, (resolved) => `${resolved}-${gpu ? 'gpu' : 'cpu'}`);
  }

  /**
   * SageMaker Model Monitor's analyzer image (tag `latest`), which `QualityCheckStepConstruct` runs (data and model
   * quality baselines and checks).
   */
  public static modelMonitorAnalyzer(): ContainerImage {
    return new FrameworkImage('model-monitor', '', () => 'latest');
  }

  /**
   * An image of `@aws-cdk/aws-sagemaker-alpha` (`ContainerImage.fromEcrRepository`, `fromAsset`, `fromDlc`), for the
   * steps of a pipeline: it grants the pull to the pipeline's role as it grants it to a model.
   */
  public static fromSageMakerAlpha(image: sagemaker_alpha.ContainerImage): ContainerImage {
    return new AlphaImage(image);
  }

  /**
   * Resolves the image for a step, granting the role what it needs to pull it.
   */
  public abstract bind(scope: Construct, usage: ImageUsage, grantee: iam.IGrantable): ContainerImageConfig;

  /**
   * This image as an image of `@aws-cdk/aws-sagemaker-alpha`, for its `Model` containers: the inference image
   * (for frameworks that publish separate ones), whose pull is granted to the model's role.
   *
   * @example
   * new sagemaker_alpha.Model(this, 'Model', {
   *   containers: [{ image: ContainerImage.xgboost('1.7-1').toSageMakerAlpha(), modelData }],
   * });
   */
  public toSageMakerAlpha(): sagemaker_alpha.ContainerImage {
    return new ImageForAlpha(this);
  }
}

/** A library image where the alpha module wants one. */
class ImageForAlpha extends sagemaker_alpha.ContainerImage {
  constructor(private readonly image: ContainerImage) {
    super();
  }

  public bind(scope: Construct, model: sagemaker_alpha.Model): sagemaker_alpha.ContainerImageConfig {
    return { imageName: this.image.bind(scope, ImageUsage.INFERENCE, model).imageUri };
  }
}

/** An alpha image where a step wants one. */
class AlphaImage extends ContainerImage {
  constructor(private readonly image: sagemaker_alpha.ContainerImage) {
    super();
  }

  public bind(scope: Construct, _usage: ImageUsage, grantee: iam.IGrantable): ContainerImageConfig {
    // The alpha images use the model they are bound to only as the grantee of the pull (repository.grantPull(model));
    // the pipeline's role stands in for it.
    return { imageUri: this.image.bind(scope, grantee as unknown as sagemaker_alpha.Model).imageName };
  }
}

const ECR_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._\/-]+)(?::[\w.-]+|@sha256:[0-9a-f]{64})?$/;

class UriImage extends ContainerImage {
  constructor(private readonly uri: string) {
    super();
  }

  public bind(scope: Construct, _usage: ImageUsage, grantee: iam.IGrantable): ContainerImageConfig {
    const ecrImage = Token.isUnresolved(this.uri) ? undefined : ECR_URI.exec(this.uri);
    if (ecrImage) {
      grantEcrPull(scope, grantee, ecrImage[1], ecrImage[2], ecrImage[3]);
    }
    return { imageUri: this.uri };
  }
}

class EcrImage extends ContainerImage {
  constructor(private readonly repository: ecr.IRepository, private readonly tagOrDigest: string) {
    super();
  }

  public bind(_scope: Construct, _usage: ImageUsage, grantee: iam.IGrantable): ContainerImageConfig {
    this.repository.grantPull(grantee);
    return { imageUri: this.repository.repositoryUriForTagOrDigest(this.tagOrDigest) };
  }
}

class FrameworkImage extends ContainerImage {
  constructor(
    private readonly framework: string,
    private readonly version: string,
    private readonly tagOf: (resolvedVersion: string, info: any) => string,
  ) {
    super();
  }

  public bind(scope: Construct, usage: ImageUsage, grantee: iam.IGrantable): ContainerImageConfig {
    const stack = Stack.of(scope);
    const scopes = frameworkImageRegistries()[this.framework];
    // Per usage (training, inference), or one set of versions for every use (the check steps' images).
    const config = scopes.versions ? scopes : scopes[usage] ?? scopes.training ?? Object.values(scopes)[0];
    const resolved = config.version_aliases?.[this.version] ?? this.version;
    const info = config.versions[resolved];
    if (!info) {
      throw new Error(`${scope.node.path}: there is no SageMaker ${this.framework} ${usage} image of version '${this.version}'; known versions: ${Object.keys(config.versions).join(', ')}`);
    }
    let tag: string;
    try {
      tag = this.tagOf(resolved, info);
    } catch (e: any) {
      throw new Error(`${scope.node.path}: ${e.message}`);
    }
    const repository = info.repository ?? `sagemaker-${this.framework}`;
    const registries: Record<string, string> = info.registries;
    const region = stack.region;
    if (!Token.isUnresolved(region)) {
      const account = registries[region];
      if (!account) {
        throw new Error(`${scope.node.path}: the SageMaker ${this.framework} ${resolved} image is not published in region ${region}; it is in: ${Object.keys(registries).sort().join(', ')}`);
      }
      const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
      grantEcrPull(scope, grantee, account, region, repository);
      return { imageUri: `${account}.dkr.ecr.${region}.${domain}/${repository}:${tag}` };
    }
    // The region is known only at deploy time: look the registry up in a mapping of the stack.
    const mappingId = `SageMakerImages${this.framework}${usage}${resolved}`.replace(/[^A-Za-z0-9]/g, '');
    let mapping = stack.node.tryFindChild(mappingId) as CfnMapping | undefined;
    if (!mapping) {
      const entries: Record<string, Record<string, string>> = {};
      for (const r of Object.keys(registries).sort()) {
        entries[r] = { account: registries[r] };
      }
      mapping = new CfnMapping(stack, mappingId, { mapping: entries });
    }
    const registry = mapping.findInMap(stack.region, 'account');
    grantEcrPull(scope, grantee, registry, stack.region, repository);
    return { imageUri: `${registry}.dkr.ecr.${stack.region}.${stack.urlSuffix}/${repository}:${tag}` };
  }
}
