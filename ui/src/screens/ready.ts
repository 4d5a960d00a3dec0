// The ready screen: waiting for the next scan, with the camera's preview when the clerk turns
// it on. A payload the camera finds is verified only while this screen shows.

import { Camera, type CameraState } from "../camera";
import { $ } from "../dom";
import { t } from "../i18n";
import { next } from "../nav";
import { verifyText } from "../scan";
import { state } from "../state";

export function labelReady(): void {
  $("ready-title").textContent = t("app.ready");
  $("ready-hint").textContent = t("app.ready.hint");
}

function cameraState(s: CameraState): void {
  const text =
    s.kind === "denied" ? t("camera.denied", { message: s.message }) : t(`camera.${s.kind}`);
  $("camera-state").textContent = text;
  $("camera").dataset.kind = s.kind;
  $("camera-video").hidden = s.kind !== "live";
}

const camera = new Camera($<HTMLVideoElement>("camera-video"), cameraState, (text) => {
  if (state.screen === "ready") void verifyText(text, "camera");
});

export function toggleCamera(): void {
  if (state.session?.role !== "clerk") return;
  if (state.screen !== "ready") next();
  if (camera.running || !$("camera").hidden) {
    stopCamera();
  } else {
    $("camera").hidden = false;
    void camera.start();
  }
}

export function stopCamera(): void {
  camera.stop();
  $("camera").hidden = true;
}
