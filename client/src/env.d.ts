/// <reference types="vite/client" />

/** Build-time settings of the dashboard (Vite exposes only VITE_-prefixed variables). */
interface ImportMetaEnv {
  /** Where "Go to runbooks" leads on the Operations pages. */
  readonly VITE_RUNBOOKS_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
