import { CfnOutput, Names, Stack, Stage, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events_targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { IModelPackageGroup, ModelPackageGroup, checkAccount, groupArnOf } from '../model-package-group';
import { groupLookupsIn } from './private/group-lookups';

/** Where a deployment target is: an explicit account and region. */
export interface DeploymentEnvironment {
  /** The account (12 digits). */
  readonly account: string;
  /** The region. */
  readonly region: string;
}

/** What a serving stack factory is told about the target it builds for. */
export interface ServingTarget {
  /** The target's stage name (`Staging`, `Production`). */
  readonly stageName: string;
  /** The target's account and region. */
  readonly env: DeploymentEnvironment;
  /**
   * The ARN of the model package group in the registry account: import it with
   * `ModelPackageGroup.fromModelPackageGroupArn` (not by name: a name is looked up in the serving account).
   */
  readonly modelPackageGroupArn: string;
  /**
   * The deployment pipeline's execution that synthesizes the app (`#{codepipeline.PipelineExecutionId}`, given to the
   * synth step as `MODEL_DEPLOYMENT_RUN`): pass it as `ModelVersion.latestApproved(group, { refreshToken })`, so each
   * run looks the latest approved version up again (or the context value `modelDeploymentRun`). Undefined outside the
   * pipeline (a local `cdk synth`).
   * @default - none
   */
  readonly deploymentRun?: string;
}

/** The serving stack a factory built for a target: the stack, and the endpoint the smoke test invokes. */
export interface ServingStack {
  /** The stack (in the stage the factory was given). */
  readonly stack: Stack;
  /** The name of the endpoint the smoke test invokes after the stage deploys (`abTest.endpoint.endpointName`). */
  readonly endpointName: string;
  /** The endpoint's ARN (`abTest.endpoint.endpointArn`): the smoke test may invoke it alone. */
  readonly endpointArn: string;
}

/** Builds the serving stack of a deployment target (jsii: an object with this method). */
export interface IServingStackFactory {
  /** Creates the target's serving stack in `stage`, and returns it with its endpoint. */
  createServingStack(stage: Stage, target: ServingTarget): ServingStack;
}

/** One account (and region) the approved model is promoted to, in order. */
export interface DeploymentTargetProps {
  /** The stage's name (letters, digits, hyphens; unique in the pipeline). */
  readonly stageName: string;
  /** The target's account and region, both explicit. */
  readonly env: DeploymentEnvironment;
  /** Builds the stage's serving stack. */
  readonly stackFactory: IServingStackFactory;
  /**
   * A manual approval before the stage deploys.
   * @default - true for the last target (production), false for the others
   */
  readonly manualApproval?: boolean;
}

/** The request the smoke test sends to the new endpoint; an error response fails the stage. */
export interface SmokeTestRequest {
  /** The request body (text): a JSON document, JSON Lines, or CSV rows, as `contentType` says. */
  readonly body: string;
  /** The body's MIME type (`text/csv`, `application/json`, `application/jsonlines`, ...). */
  readonly contentType: string;
  /**
   * The response's MIME type.
   * @default - the endpoint's default
   */
  readonly accept?: string;
}

/** Properties of a `ModelDeploymentPipeline`. */
export interface ModelDeploymentPipelineProps {
  /** The model package group whose approvals start the pipeline (in this stack's account and region). */
  readonly modelPackageGroup: IModelPackageGroup;
  /** The app's source (`pipelines.CodePipelineSource.connection(...)`, `.s3(...)`). */
  readonly source: pipelines.IFileSetProducer;
  /**
   * The commands that synthesize the app into `cdk.out`.
   * @default ['npm ci', 'npx cdk synth']
   */
  readonly synthCommands?: string[];
  /** The targets, in the order they are deployed (staging before production). */
  readonly targets: DeploymentTargetProps[];
  /** The request each stage's smoke test sends to its new endpoint. */
  readonly smokeTest: SmokeTestRequest;
  /**
   * The buckets of the versions' model artifacts (the training pipeline's `artifactBucket`): shared with the target
   * accounts (`ModelPackageGroup.shareForServing`) when the group is a `ModelPackageGroup` of this app.
   * @default - none
   */
  readonly artifactBuckets?: s3.IBucket[];
  /**
   * The ECR repositories of the versions' custom images, shared with the target accounts.
   * @default - none
   */
  readonly repositories?: ecr.IRepository[];
  /**
   * The CodePipeline's name.
   * @default - generated
   */
  readonly pipelineName?: string;
}

/** The synth step's variable with the pipeline execution (see `ServingTarget.deploymentRun`). */
const RUN_VARIABLE = 'MODEL_DEPLOYMENT_RUN';
const STAGE_NAME = /^[A-Za-z][A-Za-z0-9-]{0,99}$/;

/**
 * Promotes approved versions of a model package group from the registry account to serving accounts, in order: a CDK
 * Pipelines (`aws-cdk-lib/pipelines`) pipeline in the registry account that synthesizes the app, deploys each
 * target's serving stack into its account, invokes the new endpoint with a sample request after each stage (an error
 * response stops the promotion), and waits for a manual approval before production. A version's approval in the group
 * starts it (`onModelApproved`); each run looks the latest approved version up again (`ServingTarget.deploymentRun`).
 *
 * The target accounts must trust the registry account's CDK roles (`cdk bootstrap --trust <registry account>`).
 *
 * @example
 * new ModelDeploymentPipeline(this, 'Promote', {
 *   modelPackageGroup: group,
 *   source: pipelines.CodePipelineSource.connection('acme/churn', 'main', { connectionArn }),
 *   targets: [
 *     { stageName: 'Staging', env: { account: '222222222222', region: 'us-east-1' }, stackFactory: servingStacks },
 *     { stageName: 'Production', env: { account: '333333333333', region: 'us-east-1' }, stackFactory: servingStacks },
 *   ],
 *   smokeTest: { body: '34,0,1,52000', contentType: 'text/csv' },
 *   artifactBuckets: [trainingPipeline.artifactBucket],
 * });
 */
export class ModelDeploymentPipeline extends Construct {
  /** The CDK pipeline. */
  public readonly pipeline: pipelines.CodePipeline;
  /** The serving stacks, by stage name. */
  public readonly servingStacks: { [stageName: string]: Stack } = {};

  constructor(scope: Construct, id: string, props: ModelDeploymentPipelineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const registry = { account: stack.account, region: stack.region };
    if (Token.isUnresolved(registry.account) || Token.isUnresolved(registry.region)) {
      throw new Error(`${this.node.path}: the registry stack has no explicit account and region; a deployment across accounts needs `
        + 'both: give the stack env: { account, region }');
    }
    if (props.targets.length === 0) {
      throw new Error(`${this.node.path}: targets is empty; expected the accounts to deploy to, in order (staging, then production)`);
    }
    const group = props.modelPackageGroup;
    const groupArn = this.checkGroup(group, registry);
    checkSmokeTest(this.node.path, props.smokeTest);
    const names = new Set<string>();
    for (const target of props.targets) {
      this.checkTarget(target, names);
    }

    this.pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: props.pipelineName,
      crossAccountKeys: true,
      enableKeyRotation: true,
      synth: new pipelines.ShellStep('Synth', {
        input: props.source,
        commands: props.synthCommands ?? ['npm ci', 'npx cdk synth'],
        // Each execution synthesizes with its own ID: the serving stacks look the latest approved version up again.
        env: { [RUN_VARIABLE]: '#{codepipeline.PipelineExecutionId}' },
      }),
    });

    const targetAccounts = props.targets.map((t) => t.env.account);
    if (group instanceof ModelPackageGroup) {
      group.shareForServing(targetAccounts, { artifactBuckets: props.artifactBuckets, repositories: props.repositories });
    }

    props.targets.forEach((target, i) => {
      const stage = new Stage(this, target.stageName, { env: target.env });
      const serving = target.stackFactory.createServingStack(stage, {
        stageName: target.stageName,
        env: target.env,
        modelPackageGroupArn: groupArn,
        deploymentRun: process.env[RUN_VARIABLE] ?? this.node.tryGetContext('modelDeploymentRun'),
      });
      this.checkServingStack(target, serving, group.modelPackageGroupName, registry.account);
      this.servingStacks[target.stageName] = serving.stack;
      const approval = target.manualApproval ?? i === props.targets.length - 1;
      this.pipeline.addStage(stage, {
        pre: approval ? [new pipelines.ManualApprovalStep(`Approve${target.stageName}`, {
          comment: `Promote the approved version of ${group.modelPackageGroupName} to ${target.stageName} (${target.env.account})`,
        })] : [],
        post: [this.smokeTest(target, serving, props.smokeTest, registry.account)],
      });
    });
    this.pipeline.buildPipeline();
    group.onModelApproved(`${id}Start`, { target: new events_targets.CodePipeline(this.pipeline.pipeline) });
  }

  /**
   * The stage's smoke test: a role in the target account that may invoke only the new endpoint (trusted by the
   * registry account, whose CodeBuild role alone may assume it), and a CodeBuild step that assumes it and invokes the
   * endpoint; `aws sagemaker-runtime invoke-endpoint` exits non-zero on an error response, which fails the stage.
   */
  private smokeTest(
    target: DeploymentTargetProps, serving: ServingStack, request: SmokeTestRequest, registryAccount: string,
  ): pipelines.CodeBuildStep {
    // A literal name: the registry account's step names the role by ARN (no reference across accounts or stages).
    const roleName = `${Names.uniqueResourceName(this, { maxLength: 40 })}-smoke-${target.stageName}`.slice(0, 64);
    const role = new iam.Role(serving.stack, 'SmokeTestRole', {
      roleName,
      assumedBy: new iam.AccountPrincipal(registryAccount),
      description: `Invokes the endpoint after ${target.stageName} deploys (the registry account's deployment pipeline)`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:InvokeEndpoint'], resources: [serving.endpointArn] }));
    const endpointName = new CfnOutput(serving.stack, 'SmokeTestEndpointName', { value: serving.endpointName });
    const roleArn = `arn:${Stack.of(this).partition}:iam::${target.env.account}:role/${roleName}`;
    const accept = request.accept ? ` --accept "${request.accept}"` : '';
    return new pipelines.CodeBuildStep(`SmokeTest${target.stageName}`, {
      envFromCfnOutputs: { ENDPOINT_NAME: endpointName },
      env: { SMOKE_TEST_ROLE_ARN: roleArn, SMOKE_TEST_BODY: Buffer.from(request.body).toString('base64') },
      rolePolicyStatements: [new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [roleArn] })],
      commands: [
        'set -eu',
        'CREDENTIALS=$(aws sts assume-role --role-arn "$SMOKE_TEST_ROLE_ARN" --role-session-name smoke-test '
          + '--query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" --output text)',
        'export AWS_ACCESS_KEY_ID=$(echo "$CREDENTIALS" | cut -f1) AWS_SECRET_ACCESS_KEY=$(echo "$CREDENTIALS" | cut -f2) '
          + 'AWS_SESSION_TOKEN=$(echo "$CREDENTIALS" | cut -f3)',
        'echo "$SMOKE_TEST_BODY" | base64 -d > request.body',
        `aws sagemaker-runtime invoke-endpoint --region ${target.env.region} --endpoint-name "$ENDPOINT_NAME" `
          + `--content-type "${request.contentType}"${accept} --body fileb://request.body response.body`,
        'cat response.body',
      ],
    });
  }

  /** The group's ARN, for the serving accounts: the group must be in this account and region, its name known. */
  private checkGroup(group: IModelPackageGroup, registry: { account: string; region: string }): string {
    const { account, region } = group.env;
    if (Token.isUnresolved(group.modelPackageGroupName)) {
      throw new Error(`${this.node.path}: the model package group's name is known only at deploy time; the serving accounts need its ARN `
        + 'at synth time: give the group a name');
    }
    if (account !== registry.account || region !== registry.region) {
      throw new Error(`${this.node.path}: the model package group is in ${account}/${region}, the pipeline in ${registry.account}/${registry.region}; `
        + 'the pipeline runs in the registry account: create it in the group\'s account and region');
    }
    return groupArnOf(group);
  }

  private checkTarget(target: DeploymentTargetProps, names: Set<string>): void {
    const where = `${this.node.path}: target '${target.stageName}'`;
    if (!STAGE_NAME.test(target.stageName)) {
      throw new Error(`${where}: the stage name is not a construct and CodePipeline stage name; expected a letter, then letters, digits and hyphens, e.g. Production`);
    }
    if (names.has(target.stageName)) {
      throw new Error(`${where}: the stage name is used by another target; expected one name per target`);
    }
    names.add(target.stageName);
    const env: Partial<DeploymentEnvironment> = target.env ?? {};
    if (!env.account || !env.region || Token.isUnresolved(env.account) || Token.isUnresolved(env.region)) {
      const given = JSON.stringify(target.env ?? {});
      throw new Error(`${where}: env needs an explicit account and region (given ${given}); a deployment across accounts names each account, `
        + 'e.g. account 222222222222 and region us-east-1');
    }
    checkAccount(where, env.account);
  }

  /** The factory's stack is the target's, in its stage; its lookups name the registry's group by ARN. */
  private checkServingStack(target: DeploymentTargetProps, serving: ServingStack, groupName: string, registryAccount: string): void {
    const where = `${this.node.path}: target '${target.stageName}'`;
    if (Stage.of(serving.stack)?.node.path !== `${this.node.path}/${target.stageName}`) {
      throw new Error(`${where}: the factory returned ${serving.stack.node.path}, which is not in the stage it was given; create the stack in that stage`);
    }
    if (target.env.account === registryAccount) {
      return;
    }
    for (const lookup of groupLookupsIn(serving.stack)) {
      if (lookup.groupName === groupName && lookup.account === target.env.account) {
        throw new Error(`${lookup.path}: the latest approved version of '${groupName}' is looked up in ${target.env.account}, the serving account, `
          + `where the group is imported by name; the group is in the registry account ${registryAccount}: import it with `
          + 'ModelPackageGroup.fromModelPackageGroupArn(scope, id, target.modelPackageGroupArn)');
      }
    }
  }
}

/** The smoke test's body is what its content type says: a JSON document, JSON Lines, or CSV rows of one width. */
function checkSmokeTest(path: string, request: SmokeTestRequest): void {
  const type = request.contentType.split(';')[0].trim().toLowerCase();
  const fail = (why: string) => {
    throw new Error(`${path}: smokeTest.body is not ${why}; expected a sample request the endpoint answers, e.g. ${EXAMPLES[type] ?? EXAMPLES['text/csv']}`);
  };
  if (request.body.trim() === '') {
    fail(`a request (it is empty) for ${type}`);
  }
  if (type === 'application/json') {
    try {
      JSON.parse(request.body);
    } catch (e) {
      fail(`valid JSON (${(e as Error).message})`);
    }
  } else if (type === 'application/jsonlines' || type === 'application/x-jsonlines') {
    request.body.split('\n').filter((l) => l.trim() !== '').forEach((line, i) => {
      try {
        JSON.parse(line);
      } catch (e) {
        fail(`valid JSON Lines (line ${i + 1}: ${(e as Error).message})`);
      }
    });
  } else if (type === 'text/csv') {
    const widths = request.body.split('\n').filter((l) => l.trim() !== '').map((row, i) => {
      if ((row.match(/"/g) ?? []).length % 2 !== 0) {
        fail(`valid CSV (row ${i + 1} has an unclosed quote)`);
      }
      return row.replace(/"[^"]*"/g, '""').split(',').length;
    });
    if (new Set(widths).size > 1) {
      fail(`valid CSV (its rows have ${[...new Set(widths)].join(', ')} fields; every row must have the same)`);
    }
  }
}

const EXAMPLES: Record<string, string> = {
  'text/csv': '\'34,0,1,52000\'',
  'application/json': '\'{"instances": [[34, 0, 1, 52000]]}\'',
  'application/jsonlines': '\'{"features": [34, 0, 1, 52000]}\'',
};
