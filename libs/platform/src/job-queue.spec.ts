import { addJobUnlessLive, retriedJobOptions, type JobQueue } from './job-queue';

/** Just what addJobUnlessLive uses of a BullMQ queue: one existing job (or none) in a given state. */
function fakeQueue(existingState: string | null) {
  const calls: string[] = [];
  const job = {
    getState: async () => existingState!,
    remove: async () => void calls.push('remove'),
  };
  const queue: JobQueue<{ id: string }> = {
    getJob: async (id: string) => (calls.push(`get ${id}`), existingState === null ? undefined : job),
    add: async (name: string, data: unknown, opts: { jobId: string }) =>
      void calls.push(`add ${name} ${JSON.stringify(data)} ${opts.jobId}`),
  };
  return { queue, calls };
}

describe(addJobUnlessLive.name, () => {
  it('adds the job when none has its id', async () => {
    const { queue, calls } = fakeQueue(null);
    await addJobUnlessLive(queue, 'deliver', { id: 'r1' }, { jobId: 'r1' });
    expect(calls).toEqual(['get r1', 'add deliver {"id":"r1"} r1']);
  });

  it.each(['waiting', 'delayed', 'active', 'waiting-children', 'prioritized'])('leaves a %s job alone', async (s) => {
    const { queue, calls } = fakeQueue(s);
    await addJobUnlessLive(queue, 'deliver', { id: 'r1' }, { jobId: 'r1' });
    expect(calls).toEqual(['get r1']);
  });

  it.each(['completed', 'failed', 'unknown'])('replaces a %s job', async (s) => {
    const { queue, calls } = fakeQueue(s);
    await addJobUnlessLive(queue, 'deliver', { id: 'r1' }, { jobId: 'r1' });
    expect(calls).toEqual(['get r1', 'remove', 'add deliver {"id":"r1"} r1']);
  });
});

describe(retriedJobOptions.name, () => {
  it('is exponential backoff with ±50 % jitter, a day of completed and a week of failed jobs', () => {
    expect(retriedJobOptions(6, 2000)).toEqual({
      attempts: 6,
      backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
      removeOnComplete: { age: 86_400, count: 10_000 },
      removeOnFail: { age: 604_800, count: 10_000 },
    });
  });
});
