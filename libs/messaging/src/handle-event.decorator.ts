import 'reflect-metadata';
import type { Topic } from '@outpost/contracts';

/** Metadata key under which @HandleEvent stores the topic on the method. */
export const HANDLE_EVENT_METADATA = 'outpost:messaging:handle-event';

/**
 * Marks a provider method `(event: EventEnvelope<T>, tx: EntityManager) => Promise<void>` as the handler of `topic`.
 * MessagingModule discovers these at bootstrap, subscribes the service's consumer group to their topics and refuses
 * to start when two methods claim the same topic.
 */
export const HandleEvent = (topic: Topic): MethodDecorator => {
  return (_target, _key, descriptor) => {
    const method = descriptor.value;
    if (typeof method !== 'function') throw new Error(`@HandleEvent('${topic}') must decorate a method`);
    Reflect.defineMetadata(HANDLE_EVENT_METADATA, topic, method);
    return descriptor;
  };
};
