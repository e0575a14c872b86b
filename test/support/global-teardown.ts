export { teardown as default } from './validate-templates';
