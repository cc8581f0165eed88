// Renders a component with its own fresh API client, so no state leaks between tests.
import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactElement } from "react";
import { ApiProvider } from "../api/ApiContext.tsx";
import { createApiClient } from "../api/client.ts";
import { FakeBackend } from "./fakeBackend.ts";

export function renderWithProviders(ui: ReactElement, { backend = new FakeBackend() } = {}) {
  const client = createApiClient({ fetch: backend.fetch });
  const user = userEvent.setup();
  return { backend, user, ...render(<ApiProvider client={client}>{ui}</ApiProvider>) };
}
