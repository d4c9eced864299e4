/**
 * Aho–Corasick automaton compiled to a dense DFA in flat typed arrays, over UTF-16 code units.
 *
 * Code units that occur in no pattern share class 0, which always leads back to the root, so the table only needs
 * one column per distinct pattern character. Rows are padded to a power of two, and a state is named by the offset of
 * its row (`id << shift`), so a transition is `next = delta[state | cls[c]]`: one array read per input character
 * and nothing else on the chain from one character's state to the next (a shift on that chain cost the engine ~3 %,
 * measured; the table is 32-bit for it, 2.4 MB for today's catalogue). States are numbered so that every state with
 * an output has a row at or after `firstOutputState`: the scan tests one comparison per character instead of reading
 * the output table.
 */
export class AhoCorasick {
  /** Character class per code unit (0: not in any pattern). */
  readonly cls: Uint16Array;
  readonly shift: number;
  /** Transitions: delta[state | class] is the next state. A state is its row offset (id << shift); the root is 0. */
  readonly delta: Int32Array;
  /** States with at least one output are exactly those ≥ firstOutputState (a row offset, as every state). */
  readonly firstOutputState: number;
  /** Patterns ending at the state with id s (= state >> shift): outList[outStart[s] .. outStart[s + 1]). */
  readonly outStart: Int32Array;
  readonly outList: Int32Array;
  /** Pattern lengths in code units. */
  readonly lengths: Int32Array;
  readonly stateCount: number;

  constructor(patterns: readonly string[]) {
    this.cls = new Uint16Array(0x10000);
    let alphabet = 1;
    for (const p of patterns) {
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (this.cls[c] === 0) this.cls[c] = alphabet++;
      }
    }
    let shift = 0;
    while (1 << shift < alphabet) shift++;
    this.shift = shift;
    const width = 1 << shift;

    // Trie with sparse children while building; the dense table is filled afterwards.
    const children: Array<Map<number, number>> = [new Map()];
    const own: number[][] = [[]];
    this.lengths = new Int32Array(patterns.length);
    patterns.forEach((p, id) => {
      if (p.length === 0) throw new Error(`pattern ${id} is empty`);
      this.lengths[id] = p.length;
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const k = this.cls[p.charCodeAt(i)];
        let next = children[s].get(k);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          own.push([]);
          children[s].set(k, next);
        }
        s = next;
      }
      own[s].push(id);
    });
    const n = children.length;
    if (n * width > 2 ** 31) throw new Error(`automaton too large: ${n} states × ${width} classes`);
    this.stateCount = n;
    const delta = new Int32Array(n * width);
    const fail = new Int32Array(n);
    const outputs: number[][] = new Array<number[]>(n);
    outputs[0] = own[0];
    // Breadth-first: a state's failure target is always complete before the state itself.
    const queue: number[] = [];
    for (const [k, child] of children[0]) {
      delta[k] = child;
      fail[child] = 0;
      queue.push(child);
    }
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head];
      const f = fail[s];
      outputs[s] = own[s].length > 0 ? own[s].concat(outputs[f]) : outputs[f];
      const row = s << shift;
      const frow = f << shift;
      for (let k = 0; k < width; k++) delta[row + k] = delta[frow + k];
      for (const [k, child] of children[s]) {
        fail[child] = delta[frow + k];
        delta[row + k] = child;
        queue.push(child);
      }
    }
    // Renumber: states without outputs first (keeping breadth-first order, so the root stays 0), then the others.
    const order: number[] = [];
    for (let s = 0; s < n; s++) if (outputs[s].length === 0) order.push(s);
    this.firstOutputState = order.length << shift;
    for (let s = 0; s < n; s++) if (outputs[s].length > 0) order.push(s);
    const renum = new Int32Array(n);
    order.forEach((old, id) => (renum[old] = id));
    const table = new Int32Array(n * width);
    for (let id = 0; id < n; id++) {
      const from = order[id] << shift;
      const to = id << shift;
      for (let k = 0; k < width; k++) table[to + k] = renum[delta[from + k]] << shift;
    }
    this.delta = table;
    this.outStart = new Int32Array(n + 1);
    let total = 0;
    for (let id = 0; id < n; id++) {
      this.outStart[id] = total;
      total += outputs[order[id]].length;
    }
    this.outStart[n] = total;
    this.outList = new Int32Array(total);
    for (let id = 0; id < n; id++) this.outList.set(outputs[order[id]], this.outStart[id]);
  }

  /** All (patternId, endIndexInclusive) pairs in `text`; convenience for tests, the engine inlines the loop. */
  findAll(text: string): Array<[number, number]> {
    const found: Array<[number, number]> = [];
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      s = this.delta[s | this.cls[text.charCodeAt(i)]];
      const id = s >> this.shift;
      for (let j = this.outStart[id]; j < this.outStart[id + 1]; j++) found.push([this.outList[j], i]);
    }
    return found;
  }
}
