import { randomInt } from 'node:crypto';

export const NAME_MIN = 2;
export const NAME_MAX = 40;

/**
 * Sanitises a service name as the Python Twitcher does (`twitcher/utils.py::sanitize`): trimmed,
 * lower case, every character but `[a-z0-9_]` becomes `_`, a leading digit becomes `_`. Unlike the
 * original it does not truncate silently: a result outside 2..40 characters is refused by the caller.
 */
export function sanitizeName(raw: string): string {
  const lowered = raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  return lowered.replace(/^[0-9]/, '_');
}

/** Why a (sanitised) name cannot be used, or undefined. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length < NAME_MIN) return `must have at least ${NAME_MIN} characters`;
  if (name.length > NAME_MAX) return `must have at most ${NAME_MAX} characters`;
  return undefined;
}

// Names generated when none is given, "adjective_bird" like the original's namesgenerator.
const ADJECTIVES = [
  'agile',
  'bold',
  'brave',
  'bright',
  'calm',
  'clever',
  'cosy',
  'curious',
  'dapper',
  'eager',
  'fancy',
  'fierce',
  'gentle',
  'happy',
  'humble',
  'jolly',
  'keen',
  'lively',
  'lucky',
  'merry',
  'mighty',
  'nimble',
  'noble',
  'patient',
  'plucky',
  'proud',
  'quick',
  'quiet',
  'rapid',
  'serene',
  'sharp',
  'shy',
  'sleepy',
  'smart',
  'snappy',
  'steady',
  'swift',
  'tidy',
  'vivid',
  'wise',
  'witty',
  'zealous',
] as const;
const BIRDS = [
  'albatross',
  'avocet',
  'bittern',
  'bunting',
  'buzzard',
  'chaffinch',
  'cormorant',
  'crane',
  'curlew',
  'dipper',
  'dunlin',
  'egret',
  'eider',
  'falcon',
  'flamingo',
  'fulmar',
  'gannet',
  'godwit',
  'goldcrest',
  'grebe',
  'harrier',
  'heron',
  'hobby',
  'hoopoe',
  'ibis',
  'jackdaw',
  'kestrel',
  'kingfisher',
  'kittiwake',
  'lapwing',
  'linnet',
  'magpie',
  'merlin',
  'nightjar',
  'nuthatch',
  'osprey',
  'ouzel',
  'owl',
  'pelican',
  'petrel',
  'plover',
  'puffin',
  'redstart',
  'robin',
  'sanderling',
  'shearwater',
  'siskin',
  'skylark',
  'sparrow',
  'spoonbill',
  'starling',
  'stonechat',
  'swallow',
  'swift',
  'teal',
  'tern',
  'thrush',
  'twite',
  'wagtail',
  'warbler',
  'waxwing',
  'wren',
] as const;

/** `sleepy_flamingo`; from the third try on a number is added (`sleepy_flamingo7`). */
export function generateName(attempt = 0): string {
  const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${BIRDS[randomInt(BIRDS.length)]}`;
  return attempt < 2 ? name : `${name}${randomInt(10 ** Math.min(attempt - 1, 6))}`;
}
