/** The state of the link between this page and the engine's door, shown in the status bar. */

export interface ConnectionStatus {
  state: 'connecting' | 'open' | 'reconnecting';
  /** Where the client connects (browser only; the desktop app is always 'open'). */
  url?: string;
  /** Why the last connection closed or failed, in words. */
  lastError?: string;
  /** Connection attempts since the last successful one. */
  attempts: number;
}

/** A FrugalApi whose transport can drop (the WebSocket client); the Electron bridge cannot. */
export interface ConnectionAware {
  readonly connection: ConnectionStatus;
  onConnectionChange(listener: (s: ConnectionStatus) => void): () => void;
}

export function isConnectionAware(x: object): x is ConnectionAware {
  return typeof (x as Partial<ConnectionAware>).onConnectionChange === 'function';
}
