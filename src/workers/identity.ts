// Which looper worker this thread is (workers: N). Module state is per
// thread, so each worker thread sets its own; 0 outside workers.
let current = 0;

export function currentWorkerId(): number {
  return current;
}

export function setCurrentWorkerId(id: number): void {
  current = id;
}
