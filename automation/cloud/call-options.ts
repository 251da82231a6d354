/** What every cloud call takes besides its arguments: its bound and its cancellation. */
export interface CallOptions {
  /** Bound on the call. Calls into an impaired Region must always pass one. */
  timeoutMs?: number;
  signal?: AbortSignal;
}
