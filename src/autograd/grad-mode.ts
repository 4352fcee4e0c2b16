/**
 * PyTorch's global grad mode: `no_grad`, `enable_grad` and
 * `set_grad_enabled` nest, and the innermost one wins.
 */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

export function setGradEnabled(mode: boolean): void {
  enabled = mode;
}

/** Run `body` with grad mode set to `mode`, restoring the previous mode after (also on error). */
export function withGradMode<T>(mode: boolean, body: () => T): T {
  const previous = enabled;
  enabled = mode;
  try {
    return body();
  } finally {
    enabled = previous;
  }
}

export function noGrad<T>(body: () => T): T {
  return withGradMode(false, body);
}

export function enableGrad<T>(body: () => T): T {
  return withGradMode(true, body);
}

/**
 * Inference mode (`torch.inference_mode()`): grad mode off, and every
 * tensor made meanwhile is an inference tensor, which autograd refuses to
 * save or to see changed in place outside inference mode.
 */
let inference = false;

export function isInferenceMode(): boolean {
  return inference;
}

export function setInferenceMode(on: boolean): void {
  inference = on;
}
