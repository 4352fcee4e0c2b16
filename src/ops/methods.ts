/**
 * The library's torch-like tensor methods (`x.pow(2)`, `z.backward(g)`),
 * installed on Tensor from the functional API so there is one
 * implementation of each op.
 */
import { backward, type BackwardOptions } from '../autograd/engine.js';
import { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import * as F from './functional.js';

type Other = Tensor | number;

declare module '../autograd/tensor.js' {
  interface Tensor {
    add(other: Other): Tensor;
    sub(other: Other): Tensor;
    mul(other: Other): Tensor;
    div(other: Other): Tensor;
    pow(exponent: Other): Tensor;
    neg(): Tensor;
    matmul(other: Tensor): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tan(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    clamp(min: number | null, max?: number | null): Tensor;
    sum(dims?: number[] | null, keepdim?: boolean): Tensor;
    mean(dims?: number[] | null, keepdim?: boolean): Tensor;
    reshape(...shape: number[]): Tensor;
    view(...shape: number[]): Tensor;
    t(): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    unsqueeze(dim: number): Tensor;
    squeeze(dim?: number): Tensor;
    expand(...sizes: number[]): Tensor;
    clone(): Tensor;
    to(dtype: DType): Tensor;
    /** Values as nested arrays of numbers. */
    tolist(): unknown;
    backward(gradient?: Tensor | null, options?: BackwardOptions): void;
    add_(other: Other): Tensor;
    sub_(other: Other): Tensor;
    mul_(other: Other): Tensor;
    div_(other: Other): Tensor;
    zero_(): Tensor;
    // The rest of the tensor API (functional-more.ts and friends).
    max(dim?: number, keepdim?: boolean): Tensor | F.ValuesIndices;
    min(dim?: number, keepdim?: boolean): Tensor | F.ValuesIndices;
    argmax(dim?: number | null, keepdim?: boolean): Tensor;
    sort(dim?: number, descending?: boolean): F.ValuesIndices;
    topk(k: number, dim?: number, largest?: boolean): F.ValuesIndices;
    prod(dim?: number | null, keepdim?: boolean): Tensor;
    std(dims?: number[] | null, correction?: number, keepdim?: boolean): Tensor;
    var(dims?: number[] | null, correction?: number, keepdim?: boolean): Tensor;
    norm(p?: number, dims?: number[] | null, keepdim?: boolean): Tensor;
    cumsum(dim: number): Tensor;
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    permute(...dims: number[]): Tensor;
    gather(dim: number, index: Tensor): Tensor;
    indexSelect(dim: number, index: Tensor): Tensor;
    maskedFill(mask: Tensor, value: number | Tensor): Tensor;
  }
}

const methods: Partial<Record<keyof Tensor, (this: Tensor, ...args: never[]) => unknown>> = {
  add(this: Tensor, o: Other) { return F.add(this, o); },
  sub(this: Tensor, o: Other) { return F.sub(this, o); },
  mul(this: Tensor, o: Other) { return F.mul(this, o); },
  div(this: Tensor, o: Other) { return F.div(this, o); },
  pow(this: Tensor, e: Other) { return F.pow(this, e); },
  neg(this: Tensor) { return F.neg(this); },
  matmul(this: Tensor, o: Tensor) { return F.matmul(this, o); },
  exp(this: Tensor) { return F.exp(this); },
  log(this: Tensor) { return F.log(this); },
  sin(this: Tensor) { return F.sin(this); },
  cos(this: Tensor) { return F.cos(this); },
  tan(this: Tensor) { return F.tan(this); },
  tanh(this: Tensor) { return F.tanh(this); },
  sigmoid(this: Tensor) { return F.sigmoid(this); },
  relu(this: Tensor) { return F.relu(this); },
  sqrt(this: Tensor) { return F.sqrt(this); },
  rsqrt(this: Tensor) { return F.rsqrt(this); },
  abs(this: Tensor) { return F.abs(this); },
  square(this: Tensor) { return F.square(this); },
  clamp(this: Tensor, min: number | null, max: number | null = null) { return F.clamp(this, min, max); },
  sum(this: Tensor, dims: number[] | null = null, keepdim = false) { return F.sum(this, dims, keepdim); },
  mean(this: Tensor, dims: number[] | null = null, keepdim = false) { return F.mean(this, dims, keepdim); },
  reshape(this: Tensor, ...shape: number[]) { return F.reshape(this, shape); },
  view(this: Tensor, ...shape: number[]) { return F.view(this, shape); },
  t(this: Tensor) { return F.t(this); },
  transpose(this: Tensor, d0: number, d1: number) { return F.transpose(this, d0, d1); },
  unsqueeze(this: Tensor, d: number) { return F.unsqueeze(this, d); },
  squeeze(this: Tensor, d?: number) { return F.squeeze(this, d); },
  expand(this: Tensor, ...sizes: number[]) { return F.expand(this, sizes); },
  clone(this: Tensor) { return F.clone(this); },
  to(this: Tensor, dtype: DType) { return F.to(this, dtype); },
  tolist(this: Tensor) {
    const values = this.array.values();
    let i = 0;
    const build = (dim: number): unknown =>
      dim === this.shape.length ? values[i++] : Array.from({ length: this.shape[dim]! }, () => build(dim + 1));
    return build(0);
  },
  backward(this: Tensor, gradient: Tensor | null = null, options: BackwardOptions = {}) {
    backward([this], [gradient], options);
  },
  add_(this: Tensor, o: Other) { return F.addInPlace(this, o); },
  sub_(this: Tensor, o: Other) { return F.subInPlace(this, o); },
  mul_(this: Tensor, o: Other) { return F.mulInPlace(this, o); },
  div_(this: Tensor, o: Other) { return F.divInPlace(this, o); },
  zero_(this: Tensor) { return F.zeroInPlace(this); },
  max(this: Tensor, dim?: number, keepdim = false) { return dim === undefined ? F.maxAll(this) : F.maxDim(this, dim, keepdim); },
  min(this: Tensor, dim?: number, keepdim = false) { return dim === undefined ? F.minAll(this) : F.minDim(this, dim, keepdim); },
  argmax(this: Tensor, dim: number | null = null, keepdim = false) { return F.argExtremum(this, 'max', dim, keepdim); },
  sort(this: Tensor, dim = -1, descending = false) { return F.sort(this, dim, descending); },
  topk(this: Tensor, k: number, dim = -1, largest = true) { return F.topk(this, k, dim, largest); },
  prod(this: Tensor, dim: number | null = null, keepdim = false) { return F.prod(this, dim, keepdim); },
  std(this: Tensor, dims: number[] | null = null, correction = 1, keepdim = false) { return F.variance(this, dims, correction, keepdim, true); },
  var(this: Tensor, dims: number[] | null = null, correction = 1, keepdim = false) { return F.variance(this, dims, correction, keepdim); },
  norm(this: Tensor, p = 2, dims: number[] | null = null, keepdim = false) { return F.norm(this, p, dims, keepdim); },
  cumsum(this: Tensor, dim: number) { return F.cumsum(this, dim); },
  softmax(this: Tensor, dim: number) { return F.softmax(this, dim); },
  logSoftmax(this: Tensor, dim: number) { return F.logSoftmax(this, dim); },
  flatten(this: Tensor, startDim = 0, endDim = -1) { return F.flatten(this, startDim, endDim); },
  permute(this: Tensor, ...dims: number[]) { return F.permute(this, dims); },
  gather(this: Tensor, dim: number, index: Tensor) { return F.gather(this, dim, index); },
  indexSelect(this: Tensor, dim: number, index: Tensor) { return F.indexSelect(this, dim, index); },
  maskedFill(this: Tensor, mask: Tensor, value: number | Tensor) { return F.maskedFill(this, mask, value); },
};

Object.assign(Tensor.prototype, methods);
