export { startRegistrar, type Registrar, type RegistrarOptions } from './registrar';
