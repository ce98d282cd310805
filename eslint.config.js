export { default } from '@mooring/config/eslint';
