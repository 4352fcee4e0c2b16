/**
 * torch.topk's and torch.sort's order among tied values, which is whatever
 * the C++ standard library leaves: PyTorch 1.13's CPU kernels run
 * libstdc++'s `std::sort` for sort (`std::stable_sort` with stable=True),
 * and for topk `partial_sort` when k * 64 <= n, else `nth_element` and
 * then `sort` on the first k - 1. These are the same algorithms
 * (introselect, introsort with insertion sort up to 16 elements, binary
 * heaps), step for step, on (value, index) pairs compared by value only.
 * topk matched PyTorch on 3,000 random tie-heavy rows; the fixture
 * ops_topk_ties keeps some of them, and sort's, with NaN and both branches.
 */

type Pair = [value: number, index: number];
type Less = (x: Pair, y: Pair) => boolean;

const lg = (n: number) => 31 - Math.clz32(n);

function swap(a: Pair[], i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

function insertionSort(a: Pair[], first: number, last: number, less: Less): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    const v = a[i]!;
    if (less(v, a[first]!)) {
      for (let j = i; j > first; j--) a[j] = a[j - 1]!;
      a[first] = v;
    } else unguardedLinearInsert(a, i, less);
  }
}

function unguardedLinearInsert(a: Pair[], i: number, less: Less): void {
  const v = a[i]!;
  let j = i;
  while (less(v, a[j - 1]!)) {
    a[j] = a[j - 1]!;
    j--;
  }
  a[j] = v;
}

function moveMedianToFirst(a: Pair[], result: number, x: number, y: number, z: number, less: Less): void {
  if (less(a[x]!, a[y]!)) {
    if (less(a[y]!, a[z]!)) swap(a, result, y);
    else if (less(a[x]!, a[z]!)) swap(a, result, z);
    else swap(a, result, x);
  } else if (less(a[x]!, a[z]!)) swap(a, result, x);
  else if (less(a[y]!, a[z]!)) swap(a, result, z);
  else swap(a, result, y);
}

function unguardedPartition(a: Pair[], first: number, last: number, pivot: number, less: Less): number {
  let f = first;
  let l = last;
  for (;;) {
    while (less(a[f]!, a[pivot]!)) f++;
    l--;
    while (less(a[pivot]!, a[l]!)) l--;
    if (!(f < l)) return f;
    swap(a, f, l);
    f++;
  }
}

function partitionPivot(a: Pair[], first: number, last: number, less: Less): number {
  const mid = first + Math.floor((last - first) / 2);
  moveMedianToFirst(a, first, first + 1, mid, last - 1, less);
  return unguardedPartition(a, first + 1, last, first, less);
}

function pushHeap(a: Pair[], base: number, hole: number, top: number, v: Pair, less: Less): void {
  let h = hole;
  let parent = Math.floor((h - 1) / 2);
  while (h > top && less(a[base + parent]!, v)) {
    a[base + h] = a[base + parent]!;
    h = parent;
    parent = Math.floor((h - 1) / 2);
  }
  a[base + h] = v;
}

function adjustHeap(a: Pair[], base: number, hole: number, len: number, v: Pair, less: Less): void {
  const top = hole;
  let h = hole;
  let second = hole;
  while (second < Math.floor((len - 1) / 2)) {
    second = 2 * (second + 1);
    if (less(a[base + second]!, a[base + second - 1]!)) second--;
    a[base + h] = a[base + second]!;
    h = second;
  }
  if ((len & 1) === 0 && second === Math.floor((len - 2) / 2)) {
    second = 2 * (second + 1);
    a[base + h] = a[base + second - 1]!;
    h = second - 1;
  }
  pushHeap(a, base, h, top, v, less);
}

function makeHeap(a: Pair[], first: number, last: number, less: Less): void {
  const len = last - first;
  if (len < 2) return;
  for (let parent = Math.floor((len - 2) / 2); ; parent--) {
    adjustHeap(a, first, parent, len, a[first + parent]!, less);
    if (parent === 0) return;
  }
}

function popHeap(a: Pair[], first: number, last: number, result: number, less: Less): void {
  const v = a[result]!;
  a[result] = a[first]!;
  adjustHeap(a, first, 0, last - first, v, less);
}

function heapSelect(a: Pair[], first: number, middle: number, last: number, less: Less): void {
  makeHeap(a, first, middle, less);
  for (let i = middle; i < last; i++) if (less(a[i]!, a[first]!)) popHeap(a, first, middle, i, less);
}

function partialSort(a: Pair[], first: number, middle: number, last: number, less: Less): void {
  heapSelect(a, first, middle, last, less);
  for (let l = middle; l - first > 1; ) {
    l--;
    popHeap(a, first, l, l, less);
  }
}

function nthElement(a: Pair[], first: number, nth: number, last: number, less: Less): void {
  if (first === last || nth === last) return;
  let f = first;
  let l = last;
  let depth = 2 * lg(l - f);
  while (l - f > 3) {
    if (depth === 0) {
      heapSelect(a, f, nth + 1, l, less);
      swap(a, f, nth);
      return;
    }
    depth--;
    const cut = partitionPivot(a, f, l, less);
    if (cut <= nth) f = cut;
    else l = cut;
  }
  insertionSort(a, f, l, less);
}

function introsortLoop(a: Pair[], first: number, last: number, depth: number, less: Less): void {
  let l = last;
  let d = depth;
  while (l - first > 16) {
    if (d === 0) {
      partialSort(a, first, l, l, less);
      return;
    }
    d--;
    const cut = partitionPivot(a, first, l, less);
    introsortLoop(a, cut, l, d, less);
    l = cut;
  }
}

function sort(a: Pair[], first: number, last: number, less: Less): void {
  if (first === last) return;
  introsortLoop(a, first, last, 2 * lg(last - first), less);
  if (last - first > 16) {
    insertionSort(a, first, first + 16, less);
    for (let i = first + 16; i < last; i++) unguardedLinearInsert(a, i, less);
  } else insertionSort(a, first, last, less);
}

/** The positions torch.topk returns for one row (NaN counts as the largest value). */
export function topkOrder(values: ArrayLike<number>, k: number, largest: boolean, sorted = true): number[] {
  const a: Pair[] = Array.from(values, (v, i) => [v, i]);
  const less: Less = largest
    ? (x, y) => (Number.isNaN(x[0]) && !Number.isNaN(y[0])) || x[0] > y[0]
    : (x, y) => (!Number.isNaN(x[0]) && Number.isNaN(y[0])) || x[0] < y[0];
  if (k === 0) return [];
  if (k * 64 <= a.length) partialSort(a, 0, k, a.length, less);
  else {
    nthElement(a, 0, k - 1, a.length, less);
    if (sorted) sort(a, 0, k - 1, less);
  }
  return a.slice(0, k).map(([, i]) => i);
}

/**
 * The order torch.sort gives one row: libstdc++'s `std::sort` (introsort,
 * not stable past 16 elements) unless `stable`, which is `std::stable_sort`
 * (ties keep their order). NaN sorts last ascending, first descending.
 */
export function sortOrder(values: ArrayLike<number>, descending: boolean, stable = false): number[] {
  const a: Pair[] = Array.from(values, (v, i) => [v, i]);
  const less: Less = descending
    ? (x, y) => (Number.isNaN(x[0]) && !Number.isNaN(y[0])) || x[0] > y[0]
    : (x, y) => (!Number.isNaN(x[0]) && Number.isNaN(y[0])) || x[0] < y[0];
  if (stable) {
    a.sort((x, y) => (less(x, y) ? -1 : less(y, x) ? 1 : x[1] - y[1]));
  } else sort(a, 0, a.length, less);
  return a.map(([, i]) => i);
}
