/*
 * Names the SageMaker Python SDK writes in the definitions of its steps, which the constructs render and the importer
 * recognizes: one place for both.
 */

/** The notebook scheduler's form of a notebook job (sagemaker-mlops workflow/notebook_job_step.py). */
export const NOTEBOOK_JOB = {
  /** The training job's entry point. */
  entrypoint: 'amazon_sagemaker_scheduler',
  /** The input channel of the staged notebook, script and dependencies. */
  stagedChannel: 'sagemaker_headless_execution_pipelinestep',
  /** The environment variables the scheduler's fields fill in, besides the user's. */
  schedulerEnvironment: [
    'AWS_DEFAULT_REGION', 'SM_JOB_DEF_VERSION', 'SM_ENV_NAME', 'SM_SKIP_EFS_SIMULATION', 'SM_EXECUTION_INPUT_PATH', 'SM_KERNEL_NAME',
    'SM_INPUT_NOTEBOOK_NAME', 'SM_OUTPUT_NOTEBOOK_NAME', 'SM_INIT_SCRIPT',
  ],
  /** The prefix of the tags the SDK adds after the user's. */
  tagPrefix: 'sagemaker:',
};

/** The inputs and output of a Clarify check's processing job (sagemaker-mlops workflow/clarify_check_step.py). */
export const CLARIFY_JOB = {
  /** The input of `analysis_config.json`. */
  configInput: 'analysis_config',
  /** The input of the dataset. */
  dataInput: 'dataset',
  /** The output of the analysis. */
  output: 'analysis_result',
};
