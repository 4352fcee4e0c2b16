/**
 * PyTorch's CPU `topk` (which `multinomial` without replacement uses) picks
 * the k largest with libstdc++'s `std::partial_sort` when k * 64 <= n and
 * `std::nth_element` followed by `std::sort` of the first k - 1 otherwise.
 * Neither is stable, so the order of equal values (the zero-probability
 * categories, all tied at 0) is whatever their steps leave: GCC 12's steps
 * are followed here (introselect with median-of-three pivots, heap select,
 * introsort with a final insertion sort at 16 elements).
 */

type Less<T> = (a: T, b: T) => boolean;

const floorLog2 = (n: number) => 31 - Math.clz32(n);

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

function pushHeap<T>(a: T[], first: number, hole: number, top: number, value: T, less: Less<T>): void {
  let parent = Math.floor((hole - 1) / 2);
  while (hole > top && less(a[first + parent]!, value)) {
    a[first + hole] = a[first + parent]!;
    hole = parent;
    parent = Math.floor((hole - 1) / 2);
  }
  a[first + hole] = value;
}

function adjustHeap<T>(a: T[], first: number, hole: number, len: number, value: T, less: Less<T>): void {
  const top = hole;
  let child = hole;
  while (child < Math.floor((len - 1) / 2)) {
    child = 2 * (child + 1);
    if (less(a[first + child]!, a[first + child - 1]!)) child--;
    a[first + hole] = a[first + child]!;
    hole = child;
  }
  if ((len & 1) === 0 && child === Math.floor((len - 2) / 2)) {
    child = 2 * (child + 1);
    a[first + hole] = a[first + child - 1]!;
    hole = child - 1;
  }
  pushHeap(a, first, hole, top, value, less);
}

function makeHeap<T>(a: T[], first: number, last: number, less: Less<T>): void {
  const len = last - first;
  if (len < 2) return;
  for (let parent = Math.floor((len - 2) / 2); ; parent--) {
    adjustHeap(a, first, parent, len, a[first + parent]!, less);
    if (parent === 0) return;
  }
}

function popHeap<T>(a: T[], first: number, last: number, result: number, less: Less<T>): void {
  const value = a[result]!;
  a[result] = a[first]!;
  adjustHeap(a, first, 0, last - first, value, less);
}

function heapSelect<T>(a: T[], first: number, middle: number, last: number, less: Less<T>): void {
  makeHeap(a, first, middle, less);
  for (let i = middle; i < last; i++) if (less(a[i]!, a[first]!)) popHeap(a, first, middle, i, less);
}

function sortHeap<T>(a: T[], first: number, last: number, less: Less<T>): void {
  while (last - first > 1) {
    last--;
    popHeap(a, first, last, last, less);
  }
}

function moveMedianToFirst<T>(a: T[], result: number, x: number, y: number, z: number, less: Less<T>): void {
  if (less(a[x]!, a[y]!)) {
    if (less(a[y]!, a[z]!)) swap(a, result, y);
    else if (less(a[x]!, a[z]!)) swap(a, result, z);
    else swap(a, result, x);
  } else if (less(a[x]!, a[z]!)) swap(a, result, x);
  else if (less(a[y]!, a[z]!)) swap(a, result, z);
  else swap(a, result, y);
}

function partitionPivot<T>(a: T[], first: number, last: number, less: Less<T>): number {
  const mid = first + Math.floor((last - first) / 2);
  moveMedianToFirst(a, first, first + 1, mid, last - 1, less);
  let lo = first + 1;
  let hi = last;
  for (;;) {
    while (less(a[lo]!, a[first]!)) lo++;
    hi--;
    while (less(a[first]!, a[hi]!)) hi--;
    if (!(lo < hi)) return lo;
    swap(a, lo, hi);
    lo++;
  }
}

function linearInsert<T>(a: T[], last: number, less: Less<T>): void {
  const value = a[last]!;
  let next = last - 1;
  while (less(value, a[next]!)) {
    a[last] = a[next]!;
    last = next;
    next--;
  }
  a[last] = value;
}

function insertionSort<T>(a: T[], first: number, last: number, less: Less<T>): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    if (less(a[i]!, a[first]!)) {
      const value = a[i]!;
      for (let j = i; j > first; j--) a[j] = a[j - 1]!;
      a[first] = value;
    } else linearInsert(a, i, less);
  }
}

/** std::nth_element(first, nth, last). */
export function nthElement<T>(a: T[], first: number, nth: number, last: number, less: Less<T>): void {
  if (first === last || nth === last) return;
  let depth = floorLog2(last - first) * 2;
  while (last - first > 3) {
    if (depth === 0) {
      heapSelect(a, first, nth + 1, last, less);
      swap(a, first, nth);
      return;
    }
    depth--;
    const cut = partitionPivot(a, first, last, less);
    if (cut <= nth) first = cut;
    else last = cut;
  }
  insertionSort(a, first, last, less);
}

function introsortLoop<T>(a: T[], first: number, last: number, depth: number, less: Less<T>): void {
  while (last - first > 16) {
    if (depth === 0) {
      heapSelect(a, first, last, last, less);
      sortHeap(a, first, last, less);
      return;
    }
    depth--;
    const cut = partitionPivot(a, first, last, less);
    introsortLoop(a, cut, last, depth, less);
    last = cut;
  }
}

/** std::sort(first, last). */
export function sort<T>(a: T[], first: number, last: number, less: Less<T>): void {
  if (first === last) return;
  introsortLoop(a, first, last, floorLog2(last - first) * 2, less);
  if (last - first > 16) {
    insertionSort(a, first, first + 16, less);
    for (let i = first + 16; i < last; i++) linearInsert(a, i, less);
  } else insertionSort(a, first, last, less);
}

/** std::partial_sort(first, middle, last). */
export function partialSort<T>(a: T[], first: number, middle: number, last: number, less: Less<T>): void {
  heapSelect(a, first, middle, last, less);
  sortHeap(a, first, middle, less);
}

/**
 * The positions of the k largest values, largest first, as PyTorch 1.13's
 * CPU topk(largest=True, sorted=True) orders them (NaN counts as largest).
 */
export function topkIndices(values: ArrayLike<number>, k: number): number[] {
  const queue = Array.from({ length: values.length }, (_, j) => ({ v: values[j]!, j }));
  const greater = (x: { v: number }, y: { v: number }) => (Number.isNaN(x.v) && !Number.isNaN(y.v)) || x.v > y.v;
  if (k === 0) return [];
  if (k * 64 <= values.length) partialSort(queue, 0, k, queue.length, greater);
  else {
    nthElement(queue, 0, k - 1, queue.length, greater);
    sort(queue, 0, k - 1, greater);
  }
  return queue.slice(0, k).map((e) => e.j);
}
