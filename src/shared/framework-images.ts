import * as fs from 'fs';
import * as path from 'path';

let cache: any;

/**
 * SageMaker framework image registries per region (data/framework-image-registries.json: facts extracted from
 * the public SageMaker Python SDK's image_uri_config).
 */
export function frameworkImageRegistries(): Record<string, Record<string, any>> {
  if (!cache) {
    cache = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'data', 'framework-image-registries.json'), 'utf-8')).frameworks;
  }
  return cache;
}
