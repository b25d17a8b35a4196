/** Errors of the model runner; each names what it is about (file, tensor, axis) first. */
export class ModelError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = 'ModelError';
  }
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'AbortError';
  }
}
