export { StackAlertsOptions } from './options';
