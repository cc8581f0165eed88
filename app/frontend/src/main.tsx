import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiProvider } from "./api/ApiContext.tsx";
import { createApiClient } from "./api/client.ts";
import { TodoApp } from "./todos/TodoApp.tsx";
import "./index.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");

createRoot(root).render(
  <StrictMode>
    <ApiProvider client={createApiClient()}>
      <TodoApp />
    </ApiProvider>
  </StrictMode>,
);
