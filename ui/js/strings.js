// Every word the UI shows, in one place, so the app can be translated later.
// Functions take the values they need; nothing else in ui/ writes user-facing English.

const number = (n) => n.toLocaleString('en', { maximumFractionDigits: 2 });
const plural = (n, one, many) => `${number(n)} ${n === 1 ? one : many}`;
/** "a, b or c" */
const either = (items) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);

// Shapes in words, by the aspect value a model takes; an unknown one shows as it is.
const ASPECT_NAMES = {
  '16:9': 'Landscape',
  '9:16': 'Portrait',
  '1:1': 'Square',
  '4:3': 'Classic',
  '3:4': 'Classic tall',
  '3:2': 'Photo',
  '2:3': 'Photo tall',
  '21:9': 'Cinema',
  adaptive: 'Auto',
  auto: 'Auto',
};
const aspectName = (value) => ASPECT_NAMES[value] ?? value;
/** "4k" reads "4K", "1080p" stays. */
const qualityName = (value) => (/^\d+k$/i.test(value) ? value.toUpperCase() : value);
const seconds = (n) => `${number(n)} s`;
/** The same words for each of `codes`. */
const sameWords = (codes, words) => Object.fromEntries(codes.map((code) => [code, words]));
/** A model's lengths in words, from its `duration`: "4, 8 or 12 s", "3 to 15 s". */
const lengthsInWords = ({ values, min, max }) => (Array.isArray(values) ? `${either(values.map(number))} s` : `${number(min)} to ${number(max)} s`);

export const strings = {
  appName: 'Sora Desk',

  // Header
  settingsOpen: 'Settings',
  balance: (credits) => `${number(credits)} credits`,
  balanceUnknown: 'Balance unavailable',
  balanceTitle: 'Your EvoLink balance',
  todaySpend: (spent, limit) => (limit == null ? `Today ${number(spent)} credits` : `Today ${number(spent)} / ${number(limit)} credits`),
  todaySpendTitle: 'Credits of the videos started today (estimates until EvoLink says), against your daily limit',
  demoBadge: 'Demo',
  demoBadgeTitle: 'Demo mode: sample videos, nothing is charged',
  leaveDemo: 'Leave demo',
  keyBannerAction: 'Check key',
  keyRefused: (message) => `${message} Your videos will wait until the key works again.`,

  // First run
  welcomeTitle: 'Welcome to Sora Desk',
  welcomeBody: 'Describe a scene, add a picture if you like, and Sora Desk turns it into a short video with the model you pick. To begin, connect your EvoLink account.',
  keyLabel: 'Your EvoLink key',
  keyPlaceholder: 'Paste your key here',
  keySave: 'Connect',
  keyChecking: 'Checking…',
  keyHelp: 'It stays in your system keychain, never in a file.',
  keyWhere: 'Where do I get a key?',
  keySessionOnly: 'Keep it for this session only',
  keyNoKeychainUpfront: 'This computer has no keychain to keep your key safely. You can still use it until you close Sora Desk.',
  keyEmpty: 'Paste your key first.',
  keyWorks: (credits) => (credits == null ? 'Your key works.' : `Your key works. You have ${number(credits)} credits.`),
  or: 'or',
  demoStart: 'Try the demo',
  demoHint: 'Sample videos, no key and no cost. You can connect a key later.',
  demoOn: 'Demo mode is on: videos are samples and nothing is charged.',
  demoOff: 'Demo mode is off.',

  // Compose
  composeTitle: 'New video',
  promptLabel: 'Describe your video',
  promptPlaceholder: 'A paper boat drifting down a rainy street at dusk, reflections in the puddles…',
  promptHint: 'What happens, where, and how it looks.',
  batchOpen: 'Batch…',
  batchOpenHint: 'Queue many descriptions at once, each made with the settings below',
  counter: (used, limit) => `${used.toLocaleString('en')} / ${limit.toLocaleString('en')}`,
  counterNoLimit: (used) => (used === 1 ? '1 character' : `${used.toLocaleString('en')} characters`),
  promptTokens: (max) => `Counted in characters, safely under the model’s limit of ${max.toLocaleString('en')} tokens.`,
  imageLabel: 'Starting picture',
  optional: '(optional)',
  imageChoose: 'Choose a picture…',
  imageDropHint: 'or drop one on the window, or paste it',
  imageBeforeAlt: 'Your picture, with the part that will be used',
  imageAfterAlt: 'The picture the video will start from',
  imageAfterCaption: 'What the model gets',
  imagePreparing: 'Preparing the picture…',
  imageReady: (summary) => `Picture ready. ${summary}`,
  cropWindowLabel: 'Part of the picture to use',
  cropHelp: 'Drag the frame, or use the arrow keys, to choose the part to keep.',
  framingLabel: 'How the picture fills the video',
  framingFill: 'Fill',
  framingFit: 'Fit',
  imageRemove: 'Remove picture',
  imageRemoved: 'Picture removed.',
  dropHere: 'Drop the picture to start from it',
  orientationLabel: 'Shape',
  aspectName,
  /** The small line under a shape's name: its ratio, or what "auto" does. */
  aspectDetail: (value) => (ASPECT_NAMES[value] === 'Auto' ? 'Best fit' : value),
  pictureDecidesShape: 'The picture decides the shape.',
  shapeFromPictures: 'Set by the pictures',
  durationLabel: 'Length',
  seconds,
  lengthsInWords,
  durationRange: (min, max) => `${seconds(min)} to ${seconds(max)}`,
  durationAuto: 'Let the model choose',
  durationAutoValue: 'Model’s choice',
  durationAutoHint: (holds) => `The model picks the length. ${seconds(holds)} are set aside first, and what is not used comes back.`,
  qualityLabel: 'Quality',
  qualityName,
  soundLabel: 'Sound',
  soundHint: 'Voices, music and effects',
  soundAlways: 'Made with sound',
  moreOptions: 'More options',
  negativePromptLabel: 'Keep out of the video',
  negativePromptPlaceholder: 'Blur, captions, extra fingers…',
  seedLabel: 'Seed',
  seedHint: (min, max) => `A whole number from ${number(min)} to ${number(max)}. The same seed with the same settings gives a similar video.`,
  seedInvalid: (min, max) => `A seed is a whole number from ${number(min)} to ${number(max)}.`,
  lastFrameLabel: 'Last frame',
  lastFrameChoose: 'Choose a last frame…',
  lastFrameHint: 'The video ends on this picture',
  lastFrameNeedsFirst: 'Add a starting picture first: this model takes a last frame only with one.',
  lastFrameAside: (name) => `Your last frame is kept aside: ${name} does not take one.`,
  lastFrameAlt: 'The picture the video ends on',
  lastFrameRemove: 'Remove last frame',
  lastFrameRemoved: 'Last frame removed.',
  estimate: (credits, takes = 1) => (takes > 1
    ? `About ${number(credits)} credits for ${number(takes)} versions (estimate)`
    : `About ${number(credits)} credits (estimate)`),
  estimateDemo: (credits, takes = 1) => (takes > 1
    ? `Free in demo mode (normally about ${number(credits)} credits for ${number(takes)} versions)`
    : `Free in demo mode (normally about ${number(credits)} credits)`),
  takesLabel: 'Versions',
  takesHint: 'Takes of one description, compared side by side. Each is a video of its own.',
  estimating: 'Working out the cost…',

  // Models
  modelLabel: 'Model',
  modelLoading: 'Loading the video models…',
  modelsFailed: (message) => `The video models could not be listed. ${message}`,
  modelsMissing: 'No models to choose from',
  modelFrom: (credits) => `from ${number(credits)} credits/s`,
  modelMaker: (maker) => `by ${maker}`,
  modelUnavailable: 'Not available',
  modelSelected: 'Selected',
  modelChosen: (name) => `${name} selected.`,
  badges: {
    sound: 'Sound',
    lastFrame: 'First + last frame',
    longest: (s) => `Up to ${seconds(s)}`,
  },
  // What changed when another model was picked, one sentence each.
  switched: {
    duration: (name, lengths, to) => `${name} makes ${lengths}: length set to ${to}.`,
    quality: (name, from, to) => `${name} does not offer ${qualityName(from)}: quality set to ${qualityName(to)}.`,
    qualityGone: (name) => `Quality is not a choice for ${name}.`,
    aspect: (name, from, to) => `${name} does not make ${aspectName(from)} (${from}) videos: shape set to ${aspectName(to)}.`,
    soundAlways: (name) => `${name} always makes videos with sound.`,
    soundGone: (name) => `Sound is not a choice for ${name}.`,
    seed: (name) => `${name} takes no seed, so yours is not sent.`,
    negativePrompt: (name) => `${name} takes no list of things to keep out, so yours is not sent.`,
    lastFrame: (name) => `${name} takes no last frame: yours is kept aside for a model that does.`,
    lastFrameBack: 'Your last frame is back.',
    prompt: (name, max) => `${name} takes descriptions of up to ${max.toLocaleString('en')} characters.`,
  },
  dismiss: 'Dismiss',
  defaultUnavailable: (name, instead) => `${name} is not available right now, so New video starts with ${instead}.`,
  modelUnavailableReason: (name) => `${name} is not available right now. Pick another model.`,
  offerTitle: (name) => `${name} cannot make this video right now.`,
  offerBody: 'Pick another model: your description and pictures stay as they are.',
  offerAll: 'All models…',
  noModelReason: 'Wait a moment: the video models are being loaded.',
  generate: 'Generate',
  shortcut: (mac) => (mac ? '⌘ Enter' : 'Ctrl Enter'),
  needPrompt: 'Describe your video to continue.',
  promptTooLong: (over) => `Shorten the description by ${over.toLocaleString('en')} characters.`,
  imagePreparingReason: 'Wait a moment: the picture is still being prepared.',
  needKey: 'Connect your EvoLink key in Settings to generate.',
  submittingReason: 'Starting…',
  submitted: (n = 1) => (n === 1 ? 'Started. Your video will appear in the gallery.' : `Started ${number(n)} versions. They will appear in the gallery.`),
  submittedWaiting: (n = 1) => (n === 1
    ? 'Added to the queue: it starts as soon as its turn comes.'
    : `${number(n)} versions added to the queue: they start as soon as their turn comes.`),
  submitFailed: (message) => `Could not start the video. ${message}`,

  // Batches: many descriptions queued at once
  batchTitle: 'Queue many videos',
  batchIntro: 'Paste one description per line. For descriptions longer than a line, leave an empty line between them. They are made a few at a time while you get on with your day.',
  batchTextLabel: 'Descriptions',
  batchPlaceholder: 'A lighthouse in a storm, waves crashing\nA red fox crossing a frozen lake at sunrise\nA paper boat drifting down a rainy street at dusk',
  batchFile: 'Open a file…',
  batchFileHint: 'A text file works like pasted text. In a spreadsheet saved as CSV, a column called “prompt” holds the descriptions; columns such as duration or aspect change that setting for their row.',
  batchFromFile: (name) => `From ${name}`,
  batchMadeWith: (parts) => `Each made with New video’s settings: ${parts.join(' · ')}.`,
  batchSound: 'with sound',
  batchSilent: 'no sound',
  batchTakes: (n) => `${number(n)} versions of each`,
  batchNoPictures: 'Your starting picture is not used: each of these videos starts from its description alone.',
  batchEmpty: 'Nothing to queue yet.',
  batchPlanning: 'Counting the videos and working out the cost…',
  batchSummary: ({ lines, takes, count, credits, demo }) => {
    const cost = demo ? 'free in demo mode' : `about ${number(credits)} credits`;
    return takes > 1
      ? `${plural(lines, 'description', 'descriptions')} × ${number(takes)} versions = ${plural(count, 'video', 'videos')} · ${cost}`
      : `${plural(count, 'video', 'videos')} · ${cost}`;
  },
  batchProblemsTitle: (n) => (n === 1 ? 'One line needs a change before anything is queued:' : `${number(n)} lines need a change before anything is queued:`),
  batchProblem: (line, message) => `Line ${number(line)}: ${message}`,
  batchFixFirst: 'Change the lines above, or remove them, to continue.',
  batchConfirm: (count, credits) => `Queue ${plural(count, 'video', 'videos')} for about ${number(credits)} credits`,
  batchConfirmDemo: (count) => `Queue ${plural(count, 'video', 'videos')} (free in demo mode)`,
  batchConfirmIdle: 'Queue videos',
  batchQueueing: 'Adding them to the queue…',
  batchQueued: (n) => `${plural(n, 'video', 'videos')} added to the queue. They are made a few at a time; the queue above your videos shows how far along they are.`,
  batchChanged: (message) => `${message} Check the new figures and confirm again.`,
  batchPlanFailed: (message) => `The cost could not be worked out. ${message}`,
  batchFailed: (message) => `Nothing was queued. ${message}`,

  // The queue above the gallery
  queueTitle: 'Queue',
  queueListLabel: 'Videos waiting, in the order they start',
  queueToday: (spent, limit) => (limit == null ? `Today: ${number(spent)} credits` : `Today: ${number(spent)} of ${number(limit)} credits`),
  queuePause: 'Pause queue',
  queueResume: 'Resume queue',
  queuePausedNote: 'Paused: no waiting video starts. Videos already started carry on.',
  queuePausedNow: 'Queue paused.',
  queueResumedNow: 'Queue resumed.',
  queueShow: (n) => `Show waiting (${number(n)})`,
  queueHide: 'Hide waiting',
  waitingCount: (n) => `${plural(n, 'video', 'videos')} waiting`,
  runTitle: (label, finished) => (finished ? `Finished: ${label}` : label),
  runLabel: (label) => `How far along: ${label}`,
  /** A run's figures (runs.js runFigures): "8 of 30 done · 1 failed · 18 waiting · 92 credits so far". */
  runProgress: (figures, finished = false) => figures.map(({ key, n, total }) => {
    switch (key) {
      case 'done': return finished ? `${number(n)} of ${number(total)} made` : `${number(n)} of ${number(total)} done`;
      case 'failed': return `${number(n)} failed`;
      case 'waiting': return `${number(n)} waiting`;
      default: return finished ? `${number(n)} credits` : `${number(n)} credits so far`;
    }
  }).join(' · '),
  runDismiss: 'Hide this summary',
  // Why a waiting video has not started, in the queue's list.
  queueReason: {
    waiting_for_slot: (active) => `Waiting for a free slot (${active === 1 ? '1 video is' : `${number(active)} videos are`} being made)`,
    spend_limit: 'Would pass today’s spend limit',
    queue_paused: 'The queue is paused',
  },
  queuePlace: (n) => (n === 1 ? 'Next in line' : `Number ${number(n)} in line`),
  moveUp: (prompt) => `Move up: ${prompt}`,
  moveDown: (prompt) => `Move down: ${prompt}`,
  moveUpShort: 'Move up',
  moveDownShort: 'Move down',
  queueMoved: (n) => (n === 1 ? 'Moved to the front of the line.' : `Moved to number ${number(n)} in line.`),

  // Stopping a video
  stop: 'Stop',
  stopLabel: 'Stop this video',
  stopTitle: (n) => (n === 1 ? 'Stop this video?' : `Stop ${number(n)} videos?`),
  stopBody: (n) => (n === 1
    ? 'EvoLink has already started making it and cannot cancel it, so it may still be charged. If it comes anyway, should Sora Desk keep it?'
    : 'EvoLink has already started making them and cannot cancel them, so they may still be charged. If they come anyway, should Sora Desk keep them?'),
  stopKeep: (n) => (n === 1 ? 'Keep the video if it comes' : 'Keep the videos if they come'),
  stopDiscard: (n) => (n === 1 ? 'Discard it' : 'Discard them'),
  stopCancel: 'Don’t stop',
  stoppedRemoved: (n) => (n === 1 ? 'Stopped. It had not been sent, so nothing is charged.' : `${number(n)} videos stopped. They had not been sent, so nothing is charged.`),
  stoppedKeep: (n) => (n === 1 ? 'Sora Desk stopped following it. If it comes, it is saved to your library.' : `Sora Desk stopped following ${number(n)} videos. Those that come are saved to your library.`),
  stoppedDiscard: (n) => (n === 1 ? 'Stopped. If it comes, it is not saved.' : `${number(n)} videos stopped. Those that come are not saved.`),
  stopFailed: (n, message) => (n === 1 ? `One could not be stopped. ${message}` : `${number(n)} could not be stopped. ${message}`),
  stoppedNote: {
    keep: 'Stopped following — saved if it comes',
    discard: 'Stopped — will be discarded',
  },
  stoppedEnded: 'Stopped',

  // Selecting videos and acting on all of them
  cardKeys: 'Enter opens it; Space selects it.',
  selectVideo: (prompt) => `Select: ${prompt}`,
  selectedCount: (n) => `${number(n)} selected`,
  bulkLabel: 'Selected videos',
  bulkFavourite: 'Favourite',
  bulkUnfavourite: 'Unfavourite',
  bulkRetry: (n) => `Try again (${number(n)})`,
  bulkStop: (n) => `Stop (${number(n)})`,
  bulkClear: 'Clear the selection',
  bulkDeleteTitle: (n) => (n === 1 ? 'Delete this video?' : `Delete ${number(n)} videos?`),
  bulkDeleteBody: 'Videos and their recipes move to the trash.',
  bulkDeleteUnqueue: (n) => (n === 1 ? 'One has not started yet: it leaves the queue and is never sent.' : `${number(n)} have not started yet: they leave the queue and are never sent.`),
  bulkDeleteSkip: (n) => (n === 1 ? 'One is being made right now and is left alone: stop it first.' : `${number(n)} are being made right now and are left alone: stop them first.`),
  bulkDeleteYes: (n) => (n === 1 ? 'Delete video' : `Delete ${number(n)} videos`),
  bulkNothingToDelete: (n) => (n === 1 ? 'This video is being made right now: stop it first.' : 'These videos are being made right now: stop them first.'),
  bulkDeleted: (done, left) => `${plural(done, 'video', 'videos')} deleted.${left > 0 ? ` ${plural(left, 'video', 'videos')} being made ${left === 1 ? 'was' : 'were'} left alone.` : ''}`,
  bulkRetryTitle: (n) => (n === 1 ? 'Make this video again?' : `Make ${number(n)} videos again?`),
  bulkRetryBody: (credits) => (credits == null
    ? 'Each starts as a new video, charged like any other. They wait their turn in the queue.'
    : `Each starts as a new video: about ${number(credits)} credits in all. They wait their turn in the queue.`),
  bulkRetryYes: (n) => (n === 1 ? 'Make it again' : `Make ${number(n)} again`),
  bulkRetried: (n) => (n === 1 ? 'Trying again. The new attempt is at the top of your videos.' : `Trying ${number(n)} videos again. The new attempts are at the top of your videos.`),
  bulkProblems: (n, message) => (n === 1 ? `One video could not be changed. ${message}` : `${number(n)} videos could not be changed. ${message}`),

  // Clearing the failed videos
  clearFailed: 'Clear failed',
  clearFailedTitle: (n) => (n === 1 ? 'Clear the failed video?' : `Clear ${number(n)} failed videos?`),
  clearFailedBody: 'Failed videos have nothing to keep: clearing them only tidies your list. Their descriptions go too.',
  clearFailedYes: 'Clear them',
  clearedFailed: (n) => (n === 0 ? 'There was nothing to clear.' : `${plural(n, 'failed video', 'failed videos')} cleared.`),

  // Takes side by side
  takesPlay: 'Play all',
  takesPause: 'Pause all',
  takesSeek: 'Position in all versions',
  takesSound: 'They play together; the sound is the highlighted version’s. Pick a version to see its details.',

  // What to do when a picture cannot be used, by error code.
  // What to do next when a picture cannot be used, by the backend's code: every code of
  // crates/preflight (PreflightError::CODES) and of the service's pictures.rs (a test checks).
  imageNext: {
    ...sameWords(['empty', 'not_an_image', 'heic', 'heic_too_large', 'avif', 'unsupported_format', 'truncated', 'corrupt'],
      'Try a JPEG, PNG or WebP picture, or open it in a photo app and save it again.'),
    ...sameWords(['file_too_large', 'too_many_pixels', 'too_much_memory', 'output_too_large'],
      'Choose a smaller picture, or save a smaller copy of this one and try again.'),
    too_small: 'Choose a larger picture.',
    read_failed: 'Check that the file opens in another app, or choose another picture.',
    file_missing: 'The file was moved or deleted. Choose it again.',
    picture_unknown: 'Drop the picture on the window again, or choose it.',
    internal: 'Try again, or choose another picture.',
    cancelled: '',
    other: 'Choose another picture, or save this one as JPEG or PNG and try again.',
  },

  // Gallery
  galleryTitle: 'Your videos',
  stats: (s) => `${plural(s.videos, 'video', 'videos')} · ${number(s.credits_used_total)} credits spent, ${number(s.credits_used_30_days)} in the last 30 days`,
  spend: (s) => `Spent so far: ${number(s.credits_used_total)} credits in total, ${number(s.credits_used_30_days)} in the last 30 days.`,
  filterLabel: 'Show',
  filterAll: 'All',
  filterActive: 'In progress',
  filterDone: 'Done',
  filterFailed: 'Failed',
  favouritesOnly: 'Favourites',
  searchLabel: 'Search your prompts',
  searchPlaceholder: 'Search prompts',
  emptyTitle: 'No videos yet',
  emptyBody: 'Describe a scene, pick a shape and a length, and press Generate. Finished videos show up here.',
  libraryWhere: (dir) => `Videos are saved in ${dir}`,
  noMatchTitle: 'Nothing here',
  noMatchBody: 'No video matches this search or filter.',
  clearFilters: 'Show all videos',
  loadFailed: (message) => `Your videos could not be listed. ${message}`,
  tryAgain: 'Try again',

  // States of a task, as a person reads them.
  state: {
    preparing: 'Preparing picture',
    waiting: 'Waiting',
    uploading: 'Uploading picture',
    submitting: 'Sending',
    // EvoLink's own line, told apart from Sora Desk's queue (`waiting`).
    queued: 'In line at EvoLink',
    generating: 'Generating',
    downloading: 'Saving to your library',
    done: 'Ready',
    failed: 'Didn’t work',
    outcome_unknown: 'Not sure it started',
    expired: 'Made, but not saved',
  },
  generatingPercent: (p) => `Generating ${p}%`,
  // What a waiting video's card says, by its note.
  waitingTitle: {
    waiting_for_slot: 'Waiting for a free slot',
    spend_limit: 'Waiting: over today’s limit',
    queue_paused: 'Waiting: queue paused',
  },
  take: (n, total) => (total ? `Take ${number(n)} of ${number(total)}` : `Take ${number(n)}`),
  elapsed: (clock) => `${clock} so far`,
  remaining: (clock) => `about ${clock} left`,
  stillTrying: (message) => `${message} Still trying.`,
  // A made video waiting to be saved: EvoLink keeps its link for 24 hours.
  linkLasts: (time, left) => `Made; saving it. The link lasts until ${time} (${left} left)`,
  linkGone: 'Made, but its link has run out, so it can no longer be saved.',
  timeLeft: { hours: (n) => `${n} h`, minutes: (n) => `${n} min` },
  clockTime: (seconds) => new Date(seconds * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }),
  keepOpen: (time) => `Keep Sora Desk open and connected until ${time}: after that EvoLink’s link runs out and the video can no longer be saved.`,
  cardLabel: (prompt, state) => `${prompt}. ${state}.`,
  credits: (n) => `${number(n)} credits`,
  creditsReserved: (n) => `${number(n)} credits set aside`,
  creditsIfStarted: (n) => `${number(n)} credits, if it was started`,
  creditsAbout: (n) => `about ${number(n)} credits`,
  creditsWhenStarted: (n) => `About ${number(n)} credits, once it starts`,
  meta: { seconds: (n) => `${n} s`, landscape: 'Landscape', portrait: 'Portrait', square: 'Square' },
  age: {
    now: 'just now',
    minutes: (n) => `${n} min ago`,
    hours: (n) => `${n} h ago`,
    days: (n) => (n === 1 ? 'yesterday' : `${n} days ago`),
    date: (seconds) => new Date(seconds * 1000).toLocaleDateString('en', { day: 'numeric', month: 'short', year: 'numeric' }),
  },
  favourite: 'Favourite',
  unfavourite: 'Remove from favourites',
  noVideoYet: 'No video yet',

  // What went wrong and what to do next, by nextStep's advice key.
  advice: {
    moderation_blocked: 'Change the description: leave out real people, brands and anything violent or explicit, then try again.',
    invalid_input: 'Change the description or the settings, then try again.',
    image_rejected: 'Choose another starting picture: one without real people’s faces works best.',
    no_credits: 'Top up your EvoLink credits, then retry. Nothing was charged for this one.',
    bad_key: 'EvoLink did not accept your key. Check it in Settings.',
    rate_limited: 'EvoLink is busy right now. Try again in a minute.',
    server_trouble: 'EvoLink had a problem on its side. Try again later.',
    network_down: 'Your computer seems to be offline. Try again when you are connected.',
    model_unavailable: 'EvoLink no longer offers this video model, so this cannot be made again as it was.',
    outcome_unknown: 'Sora Desk lost EvoLink’s answer and could not tell whether this video was started.',
    expired: 'The video was made, but it could not be saved before EvoLink’s link to it ran out. Retrying makes (and charges) a new one.',
    other: 'Something went wrong. You can try again.',
    // Notes on a video that is still on its way (it waits, and says why).
    checking: 'EvoLink’s answer to sending this video was lost on the way. Sora Desk is asking whether it started; if it has to send it again, EvoLink treats that as the same video, so you are not charged twice. There is nothing to do.',
    // These follow the backend's message, which already says what is wrong: they say what to do.
    storage: 'The disk may be full, or the app’s data folder read-only. Free some space or check the folder (Settings shows where it is); Sora Desk keeps trying and carries on by itself.',
    key_missing: 'Each video finishes with the EvoLink key it was started with. Put that key back in Settings and this one carries on where it stopped.',
    task_trouble: 'EvoLink had accepted this video, so this is usually passing. Sora Desk keeps asking for a few hours; there is nothing to do.',
    // Why a video waits its turn; nothing is charged for it until it starts.
    waiting_for_slot: 'Sora Desk makes a few videos at a time (Settings says how many); this one starts when one of them is done. Nothing is charged until it starts.',
    spend_limit: 'Starting it would pass your daily spend limit. Raise the limit in Settings, or it starts tomorrow. Nothing is charged until it starts.',
    queue_paused: 'The queue is paused. Resume it and this video starts when its turn comes. Nothing is charged until it starts.',
    // A video stopped and not kept.
    stopped: 'You stopped this video and chose not to keep it, so Sora Desk did not save it. EvoLink may still have charged for it: your EvoLink dashboard shows what was charged.',
  },
  // A video that may or may not have been started: what happened, what the last lookup found, what to do.
  uncertain: {
    what: 'Sora Desk lost EvoLink’s answer and could not tell whether this video was started.',
    found: {
      ambiguous: 'EvoLink has more than one video that could be this one.',
      unavailable: 'EvoLink could not be asked just now.',
      nothing_found: 'EvoLink has no video that matches, so it was most likely never started and not charged.',
      none: '',
    },
    next: {
      ambiguous: 'Your EvoLink dashboard shows which videos were made and charged. Look again to ask once more.',
      unavailable: 'Look again in a little while.',
      nothing_found: 'You can make it again; Sora Desk asks you first, as that starts a new paid video.',
      none: 'Look again to ask EvoLink whether it was started.',
    },
  },
  lookingAgain: 'Asking EvoLink again whether this video was started.',
  actions: {
    edit_prompt: 'Edit the description',
    choose_image: 'Choose another picture',
    top_up: 'Top up credits',
    check_key: 'Check key',
    retry: 'Try again',
    look_again: 'Look again',
    restore_key: 'Put the key back',
    raise_limit: 'Change the limit',
    resume_queue: 'Resume the queue',
  },

  // Detail view
  close: 'Close',
  detailTitle: 'Video',
  facts: {
    model: 'Model',
    shape: 'Shape',
    length: 'Length',
    quality: 'Quality',
    sound: 'Sound',
    lastFrame: 'Last frame',
    seed: 'Seed',
    avoid: 'Kept out',
    made: 'Made',
    credits: 'Credits',
    file: 'File',
    picture: 'Starting picture',
    take: 'Version',
    queue: 'In line',
    stopped: 'Stopped',
  },
  pictureUsed: (framing) => (framing === 'fit' ? 'Yes, fitted' : 'Yes, filled'),
  pictureGiven: 'Yes',
  shapeFact: (aspect) => (aspectName(aspect) === aspect ? aspect : `${aspectName(aspect)} (${aspect})`),
  soundOn: 'On',
  soundOff: 'Off',
  madeAt: (seconds) => new Date(seconds * 1000).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' }),
  reveal: 'Show in folder',
  saveCopy: 'Save a copy…',
  copyPrompt: 'Copy description',
  again: 'Make another like this',
  retry: 'Try again',
  makeAgain: 'Make it again',
  retryConfirmQuestion: 'Make this video again?',
  retryConfirmRisk: 'If EvoLink did start the first one after all, you will pay for both.',
  retryConfirmCost: (credits) => `The new one costs about ${number(credits)} credits.`,
  retryConfirmYes: 'Make it again',
  copyDetails: 'Copy details for support',
  detailsCopied: 'Details copied',
  detailsCopyFailed: 'The details could not be copied. Try again; if it keeps failing, take a screenshot of this window for support.',
  // Labels of the text "Copy details for support" puts on the clipboard.
  support: {
    app: 'App',
    task: 'Sora Desk task',
    remote: 'EvoLink task',
    request: 'EvoLink request',
    state: 'State',
    code: 'Problem code',
    message: 'Message',
    lookup: 'Last lookup',
    made: 'Made',
    sent: 'Sent',
    ended: 'Ended',
    copied: 'Copied',
    unknown: 'not known',
    none: 'none',
  },
  favouriteOn: 'Favourite',
  favouriteOff: 'Add to favourites',
  delete: 'Delete',
  deleteQuestion: 'Delete this video?',
  deleteHint: 'The video and its recipe move to the trash.',
  deleteYes: 'Delete video',
  cancel: 'Cancel',
  copied: 'Description copied.',
  copyFailed: 'Could not copy. Select the description and copy it yourself.',
  savedCopy: (path) => `Copy saved to ${path}`,
  deleted: 'Video moved to the trash.',
  retried: 'Trying again. The new attempt is at the top of your videos.',
  againFilled: 'Settings copied to New video. Change what you like and press Generate.',
  videoMissing: 'The video file is missing from the library folder.',

  // Announcements for screen readers
  announce: {
    done: (prompt) => `Video ready: ${prompt}`,
    failed: (prompt, message) => `Video failed: ${prompt}. ${message}`,
    started: (prompt) => `Started: ${prompt}`,
    results: (n) => (n === 0 ? 'No videos match.' : `${plural(n, 'video', 'videos')} shown.`),
    selected: (n) => (n === 0 ? 'Nothing selected.' : `${number(n)} selected.`),
  },

  // Settings
  settingsTitle: 'Settings',
  keySection: 'EvoLink key',
  keyDemoNote: 'You are in demo mode, which needs no key. Connect one to make real videos.',
  keyHintText: (hint) => `Key ${hint}`,
  keyNone: 'No key connected',
  keyStorage: {
    keychain: 'Kept in your system keychain.',
    session_only: 'Kept for this session only: you will be asked again next time.',
    environment: 'Taken from the environment this app was started in.',
    none: '',
  },
  keyReplace: 'Replace key',
  keyAdd: 'Connect a key',
  keyRemove: 'Remove key',
  keyRemoveQuestion: 'Remove the key from this computer? Videos in progress wait until this key is added again.',
  // Said before a change of key or address while videos are being made: each video stays with the
  // key and address it was started with.
  inflightChange: (n) => (n === 1
    ? '1 video is being made with the current key and address. It finishes there; only new videos use the new ones.'
    : `${number(n)} videos are being made with the current key and address. They finish there; only new videos use the new ones.`),
  inflightRemove: (n) => (n === 1
    ? '1 video is being made with this key. Without the key it waits, and carries on once the key is back.'
    : `${number(n)} videos are being made with this key. Without the key they wait, and carry on once it is back.`),
  keyRemoveYes: 'Remove key',
  keyRemoved: 'Key removed.',
  keySaved: 'Key saved.',
  librarySection: 'Library',
  libraryChange: 'Change…',
  libraryOpen: 'Open folder',
  libraryChanged: 'Library folder changed.',
  appearanceSection: 'Appearance and alerts',
  themeLabel: 'Theme',
  themeSystem: 'System',
  themeLight: 'Light',
  themeDark: 'Dark',
  notificationsLabel: 'Notifications',
  notificationsHint: 'Tell me when a video is ready or fails.',
  defaultsSection: 'For new videos',
  defaultModelLabel: 'Start with',
  defaultModelHint: 'New video opens on this model, with the settings you last used with it.',
  defaultModelOption: (name, available) => (available ? name : `${name} (not available)`),
  queueSection: 'Queue and spending',
  maxActiveLabel: 'Videos made at once',
  maxActiveHint: 'The others wait their turn, and nothing is charged for them until they start.',
  maxActiveInvalid: 'Write a whole number from 1 to 10.',
  spendLimitLabel: 'Daily spend limit',
  spendLimitHint: 'Videos that would pass it wait until the next day, or until you raise it. Leave it empty for no limit.',
  spendLimitPlaceholder: 'No limit',
  spendLimitInvalid: 'Write a number of credits above 0, or leave the field empty for no limit.',
  creditsUnit: 'credits',
  videosUnit: 'videos',
  advancedSection: 'Advanced',
  advancedHint: 'Only change these if EvoLink support asks you to. Leave a field empty for the usual address.',
  apiBaseLabel: 'API address',
  apiBasePlaceholder: 'https://api.evolink.ai',
  filesBaseLabel: 'File upload address',
  filesBasePlaceholder: 'https://files-api.evolink.ai',
  webhookLabel: 'Webhook (optional)',
  webhookPlaceholder: 'https://example.com/sora-hook',
  webhookHint: 'EvoLink calls this https address when each video finishes, for your own automations.',
  saved: 'Saved.',
  version: (v) => `Version ${v}`,
  // Updates
  updatesSection: 'Updates',
  autoUpdateLabel: 'Look for updates automatically',
  autoUpdateHint: 'Once a day. Nothing is installed until you say so.',
  updateCheck: 'Check for updates',
  updateChecking: 'Looking for a newer version…',
  updateNone: (v) => `You have the newest version (${v}).`,
  updateFound: (v) => `Version ${v} is ready.`,
  updateReady: (v) => `Update to ${v}`,
  updateReadyTitle: 'A newer version of Sora Desk is ready: see what is new',
  updateTitle: (v) => `Sora Desk ${v} is ready`,
  updateMeta: (current, date) => (date
    ? `You have version ${current}. This one came out on ${new Date(date).toLocaleDateString('en', { dateStyle: 'long' })}.`
    : `You have version ${current}.`),
  updateNotesTitle: 'What is new',
  updateNoNotes: 'No notes came with this version.',
  updateLater: 'Later',
  updateInstall: 'Install and restart',
  /** `percent` of `size` (strings.size), either unknown (null) before the first bytes. */
  updateDownloading: (percent, size) => {
    if (size == null) return 'Downloading…';
    return percent == null ? `Downloading… ${size}` : `Downloading… ${percent} % of ${size}`;
  },
  updateWaiting: 'Downloaded and checked. Waiting for a video being sent to EvoLink to get its answer…',
  updateInstalling: 'Installing… Your system may ask for your password.',
  updateRestarting: 'Installed. Sora Desk is restarting…',
  updateBusyNote: 'Videos being made carry on after the restart, and none is sent twice.',
  dataDir: (dir) => `App data in ${dir}`,

  // Closing the window while videos are in progress
  closeTitle: (active) => (active === 1 ? 'A video is still being made' : `${number(active)} videos are still being made`),
  closeBody: (active) => (active === 1
    ? 'EvoLink keeps making it either way. Keep Sora Desk working in the background to save it as soon as it is ready, or quit: Sora Desk saves it the next time you open it, within 24 hours.'
    : 'EvoLink keeps making them either way. Keep Sora Desk working in the background to save them as soon as they are ready, or quit: Sora Desk saves them the next time you open it, within 24 hours.'),
  closeBackground: 'Keep working in the background',
  closeQuit: 'Quit',

  appInfo: (info) => `Videos are saved in ${info.library_dir}`,
  backendUnavailable: 'Sora Desk could not reach its engine. Restart the app; if it keeps happening, reinstall it.',
  sizes: { B: 'bytes', KB: 'KB', MB: 'MB', GB: 'GB' },
  size: ({ value, unit }, units) => `${value} ${units[unit]}`,
};
