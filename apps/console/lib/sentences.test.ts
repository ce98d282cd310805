import { describe, expect, it } from 'vitest';

import { sentences } from './sentences';

describe('sentences', () => {
  it('ends and capitalises each part so reasons do not run together', () => {
    expect(
      sentences('Last seen 3 min ago.', 'its token (id 5) was revoked', 'Create a token in the Tokens tab'),
    ).toBe('Last seen 3 min ago. Its token (id 5) was revoked. Create a token in the Tokens tab.');
  });

  it('drops empty parts and keeps punctuation that is already there', () => {
    expect(sentences(null, '  ', 'Is agentk running?', undefined, 'no tunnel for 5 s…')).toBe(
      'Is agentk running? No tunnel for 5 s…',
    );
    expect(sentences()).toBe('');
  });
});
