export { setup as default } from './validate-templates';
