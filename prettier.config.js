export { default } from '@mooring/config/prettier';
