// Which open trace view sets the code's lenses: the one focused last, whatever order the reads end in.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { TraceLensOwner } from '../../src/extension/torch/traceLensOwner';

test('the lenses are those of the trace view focused last; a view that ends its read in the background keeps them for later', async () => {
  const owner = new TraceLensOwner();
  const set: string[] = [];
  const lenses = (name: string) => async () => void set.push(name);
  const [compare, single, other] = [{}, {}, {}];
  // Two ranks compared, then one trace opened (and focused) while the ranks are still read.
  await owner.focus(compare);
  await owner.focus(single);
  await owner.ready(single, lenses('single'));
  await owner.ready(compare, lenses('compare'));
  assert.deepEqual(set, ['single'], 'the comparison, read last, does not take them over');
  await owner.focus(compare);
  assert.deepEqual(set, ['single', 'compare'], 'focused, it does');
  await owner.focus(single);
  assert.deepEqual(set, ['single', 'compare', 'single']);
  // The focused view closed: the next view to finish its read sets them, focused or not.
  owner.closed(single);
  await owner.focus(single);
  assert.deepEqual(set, ['single', 'compare', 'single'], 'a closed view sets nothing');
  owner.closed(single);
  await owner.ready(other, lenses('other'));
  assert.deepEqual(set.at(-1), 'other');
});

test('with no trace view focused (opened from the code, the user still in it), a read that ends sets the lenses', async () => {
  const owner = new TraceLensOwner();
  const set: string[] = [];
  await owner.ready({}, async () => void set.push('a'));
  await owner.ready({}, async () => void set.push('b'));
  assert.deepEqual(set, ['a', 'b']);
});
