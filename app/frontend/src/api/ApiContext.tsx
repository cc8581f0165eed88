// Components get the API client from context, so each test (and the app) supplies its own.
import { createContext, type ReactNode, useContext } from "react";
import type { TodoApi } from "./client.ts";

const ApiContext = createContext<TodoApi | null>(null);

export function ApiProvider({ client, children }: { client: TodoApi; children: ReactNode }) {
  return <ApiContext value={client}>{children}</ApiContext>;
}

export function useApi(): TodoApi {
  const client = useContext(ApiContext);
  if (!client) throw new Error("useApi() needs an <ApiProvider client={…}> above it");
  return client;
}
