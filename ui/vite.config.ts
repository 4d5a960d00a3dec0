import { defineConfig } from "vitest/config";

// The app loads the built files from disk (no dev server, nothing remote): relative paths.
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  server: { fs: { allow: [".."] } },
  test: { environment: "node" },
});
