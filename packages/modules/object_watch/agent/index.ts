export { createObjectWatchAgentModule, type ObjectWatchAgentModule } from './agent-module';
export { InformerSet, DEFAULT_MAX_OBJECTS_PER_RESOURCE } from './informer-set';
export { Informer, discover, forbiddenMessage, tooManyMessage } from './informer';
export { ObjectCache } from './object-cache';
export { watchHandler } from './watch-handler';
export { OBJECT_WATCH_WATCH } from '../shared/watch-api';
