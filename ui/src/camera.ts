// The webcam: a live preview and continuous decoding. Frames are grabbed from the preview a
// few times a second, reduced to luminance and sent to the app, which decodes them with the
// same decoder as pictures. Without a camera (none attached, or the webview refuses) the
// caller is told and everything else keeps working.

import { decodeFrame } from "./api";

export type CameraState = { kind: "starting" } | { kind: "live" } | { kind: "none" } | { kind: "denied"; message: string };

/** Width frames are reduced to before decoding: enough for a QR held up to the camera. */
const FRAME_WIDTH = 960;
const EVERY_MS = 250;

/** A frame as the app's `decode_frame` takes it: width, height (u32 LE), luminance bytes. */
export function lumaFrame(rgba: Uint8ClampedArray, width: number, height: number): Uint8Array {
  const out = new Uint8Array(8 + width * height);
  const view = new DataView(out.buffer);
  view.setUint32(0, width, true);
  view.setUint32(4, height, true);
  for (let i = 0, p = 0; p < width * height; i += 4, p++) {
    // ITU-R BT.601 weights, in integers.
    out[8 + p] = (rgba[i] * 77 + rgba[i + 1] * 150 + rgba[i + 2] * 29) >> 8;
  }
  return out;
}

export class Camera {
  private stream: MediaStream | null = null;
  private timer: number | null = null;
  private busy = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly onState: (s: CameraState) => void,
    private readonly onPayload: (text: string) => void,
  ) {}

  get running(): boolean {
    return this.stream !== null;
  }

  async start(): Promise<void> {
    this.onState({ kind: "starting" });
    const media = navigator.mediaDevices;
    if (!media?.getUserMedia) {
      this.onState({ kind: "none" });
      return;
    }
    try {
      const devices = await media.enumerateDevices();
      if (!devices.some((d) => d.kind === "videoinput")) {
        this.onState({ kind: "none" });
        return;
      }
      this.stream = await media.getUserMedia({ video: { width: { ideal: 1280 }, facingMode: "environment" }, audio: false });
    } catch (e) {
      const name = e instanceof Error ? e.name : "";
      if (name === "NotFoundError" || name === "OverconstrainedError") this.onState({ kind: "none" });
      else this.onState({ kind: "denied", message: e instanceof Error ? e.message : String(e) });
      return;
    }
    this.video.srcObject = this.stream;
    await this.video.play().catch(() => undefined);
    this.onState({ kind: "live" });
    this.timer = window.setInterval(() => void this.grab(), EVERY_MS);
  }

  stop(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  private async grab(): Promise<void> {
    const { videoWidth: w, videoHeight: h } = this.video;
    if (this.busy || w === 0 || h === 0) return;
    this.busy = true;
    try {
      const scale = Math.min(1, FRAME_WIDTH / w);
      const width = Math.round(w * scale);
      const height = Math.round(h * scale);
      const canvas = new OffscreenCanvas(width, height);
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      if (!ctx) return;
      ctx.drawImage(this.video, 0, 0, width, height);
      const frame = lumaFrame(ctx.getImageData(0, 0, width, height).data, width, height);
      const found = await decodeFrame(frame);
      if (found) this.onPayload(found);
    } catch {
      // A frame that cannot be read is skipped; the next one comes in a moment.
    } finally {
      this.busy = false;
    }
  }
}
