export {
  startConfigWatcher,
  type ConfigWatcher,
  type ConfigWatcherOptions,
  type ReceivedConfig,
} from './config-watcher';
