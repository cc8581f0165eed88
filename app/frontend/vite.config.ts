import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The production server (server/) proxies /api to the backend; `vite dev` does the same so the
// app always calls a relative /api and never knows the backend's host.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist/client",
    emptyOutDir: true,
    // Hashed file names under assets/ are what lets the server cache them as immutable.
    assetsDir: "assets",
  },
  server: {
    proxy: { "/api": process.env.BACKEND_URL ?? "http://127.0.0.1:3000" },
  },
});
