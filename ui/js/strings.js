// Every word the UI shows, in one place, so the app can be translated later.
// Functions take the values they need; nothing else in ui/ writes user-facing English.

export const strings = {
  appName: 'Sora Desk',
  composeTitle: 'New video',
  promptLabel: 'Describe your video',
  promptHint: 'What happens, where, and how it looks.',
  orientationLabel: 'Shape',
  landscape: 'Landscape',
  landscapeHint: '16:9, wide',
  portrait: 'Portrait',
  portraitHint: '9:16, tall',
  durationLabel: 'Length',
  generate: 'Generate',
  galleryTitle: 'Your videos',
  emptyTitle: 'No videos yet',
  emptyBody: 'Describe a scene, pick a shape and a length, and press Generate. Finished videos show up here.',
  counter: (used, limit) => `${used.toLocaleString('en')} / ${limit.toLocaleString('en')}`,
  estimate: (credits) => `About ${credits} credits (estimate)`,
  needPrompt: 'Describe your video to continue.',
  promptTooLong: (over) => `Shorten the description by ${over.toLocaleString('en')} characters.`,
  notYetAvailable: 'Generating is not available in this version yet.',
  libraryWhere: (dir) => `Videos are saved in ${dir}`,
  version: (v) => `Version ${v}`,
  appInfo: (info) => `Version ${info.version} · App data in ${info.data_dir}`,
  backendUnavailable: 'Sora Desk could not reach its engine. Restart the app; if it keeps happening, reinstall it.',
};
