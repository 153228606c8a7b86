// A free TCP port on loopback, for the throwaway servers the benchmarks start.
import { createServer } from "node:net";

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
