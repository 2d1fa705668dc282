// Real files for the tests, made by the tools the project installs: ImageMagick for JPEGs (distinct content each, so
// deduplication never merges them), exiftool for metadata, heif-enc for HEIC.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'photoapi-e2e-'));
let n = 0;

export interface JpegOptions {
  width?: number;
  height?: number;
  name?: string;
  gps?: boolean;
  camera?: boolean;
  /** When the camera says it was taken ("2023-05-04 10:00:00", EXIF DateTimeOriginal), with the camera's make. */
  takenAt?: string;
}

/** A JPEG of its own colour and label; with `gps`/`camera`, EXIF that a clean copy must not keep; `takenAt`, its date. */
export function jpeg(options: JpegOptions = {}): string {
  const { width = 640, height = 480 } = options;
  const i = n++;
  const path = join(dir, options.name ?? `photo-${i}.jpg`);
  const hue = (i * 47) % 360;
  execFileSync('/usr/bin/convert', [
    // DejaVu (installed with the browser tests): ImageMagick's default Helvetica needs Ghostscript's fonts.
    '-size', `${width}x${height}`, `xc:hsl(${hue},60%,55%)`, '-font', 'DejaVu-Sans', '-fill', 'white', '-pointsize', String(Math.round(height / 5)),
    '-gravity', 'center', '-annotate', '0', `#${i}`, '-quality', '85', path,
  ]);
  const tags: string[] = [];
  if (options.gps) tags.push('-GPSLatitude=48.8584', '-GPSLatitudeRef=N', '-GPSLongitude=2.2945', '-GPSLongitudeRef=E');
  if (options.camera) tags.push('-Make=TestCam', '-Model=Model 7', '-DateTimeOriginal=2024:06:01 12:30:00');
  if (options.takenAt) tags.push('-Make=TestCam', `-DateTimeOriginal=${options.takenAt.replace(/-/g, ':')}`);
  if (tags.length) execFileSync('exiftool', ['-q', '-overwrite_original', ...tags, path]);
  return path;
}

/** A HEIC as an iPhone sends it (HEVC in HEIF), with GPS and camera EXIF. */
export function heic(options: { name?: string } = {}): string {
  const source = jpeg({ gps: true, camera: true });
  const path = join(dir, options.name ?? `iphone-${n++}.heic`);
  execFileSync('heif-enc', ['-q', '60', '-o', path, source], { stdio: 'ignore' });
  return path;
}

/** The EXIF tags exiftool finds in a file (group:name → value). */
export function exif(path: string): Record<string, unknown> {
  const out = execFileSync('exiftool', ['-j', '-G1', '-a', path]).toString();
  return (JSON.parse(out) as Record<string, unknown>[])[0] ?? {};
}
