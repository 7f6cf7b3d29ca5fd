// Stands in for ui/js/ipc.js in browser tests: same exports, canned answers, no Tauri.
// Tests can change the answers through window.__fakeBackend before the page's modules run.

const state = Object.assign(
  {
    info: {
      name: 'Sora Desk',
      version: '0.1.0',
      data_dir: '/home/ada/.local/share/app.soradesk.desktop',
      library_dir: '/home/ada/Videos/Sora Desk',
      custom_api: false,
    },
    fail: {},
  },
  globalThis.__fakeBackend,
);

export async function appInfo() {
  if (state.fail.app_info) throw state.fail.app_info;
  return structuredClone(state.info);
}
