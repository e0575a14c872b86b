import { importAutoMl } from './automl';
import { importClarifyCheck, importQualityCheck } from './checks';
import { StepImporter } from './context';
import { importCondition, importFail, importLambdaOrCallback } from './control';
import { importEmr } from './emr';
import { importModel, importRegisterModel } from './model';
import { importProcessing } from './processing';
import { importTraining, importTuning } from './training';
import { importTransform } from './transform';

export { StepImportContext, StepImporter, TypedStep, duration } from './context';

/** The importer of each step type the library has a construct for, mirroring src/steps/. */
export const STEP_IMPORTERS: Record<string, StepImporter> = {
  Processing: importProcessing,
  Training: importTraining,
  Tuning: importTuning,
  QualityCheck: importQualityCheck,
  ClarifyCheck: importClarifyCheck,
  EMR: importEmr,
  AutoML: importAutoMl,
  Model: importModel,
  RegisterModel: importRegisterModel,
  Transform: importTransform,
  Condition: importCondition,
  Fail: importFail,
  Lambda: importLambdaOrCallback,
  Callback: importLambdaOrCallback,
};
