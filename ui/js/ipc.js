// The one module that talks to the Rust backend. Everything else in ui/ imports from here,
// so tests can swap this file for a fake and run the UI in any browser.
//
// Errors from the backend arrive as { code, message, retryable }; anything else (no backend,
// a bug) is turned into that shape so callers handle one kind of error.

function backend() {
  const tauri = globalThis.__TAURI__;
  if (!tauri?.core?.invoke) {
    throw { code: 'no_backend', message: 'The app engine is not available.', retryable: false };
  }
  return tauri.core;
}

async function call(command, args) {
  try {
    return await backend().invoke(command, args);
  } catch (error) {
    if (error && typeof error === 'object' && typeof error.code === 'string') throw error;
    throw { code: 'internal', message: String(error), retryable: false };
  }
}

/** @returns {Promise<{name: string, version: string, data_dir: string, library_dir: string, custom_api: boolean}>} */
export function appInfo() {
  return call('app_info');
}
