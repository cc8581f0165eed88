import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FakeBackend, makeTodo } from "../test/fakeBackend.ts";
import { renderWithProviders } from "../test/renderWithProviders.tsx";
import { TodoApp } from "./TodoApp.tsx";

function todoTitles(): string[] {
  const list = screen.queryByRole("list", { name: "Todos" });
  if (!list) return [];
  return within(list)
    .getAllByRole("checkbox")
    .map((box) => box.closest("label")?.textContent ?? "");
}

async function renderLoaded(backend: FakeBackend, pageSize?: number) {
  const rendered = renderWithProviders(<TodoApp pageSize={pageSize} />, { backend });
  await waitFor(() => expect(screen.getByRole("status")).not.toHaveTextContent("Loading"));
  return rendered;
}

describe("TodoApp states", () => {
  it("shows a loading status while the first page is on its way", async () => {
    const backend = new FakeBackend([makeTodo("Buy milk")]);
    backend.hold();
    renderWithProviders(<TodoApp />, { backend });
    expect(screen.getByRole("status")).toHaveTextContent("Loading todos…");
    expect(screen.queryByRole("list", { name: "Todos" })).not.toBeInTheDocument();
    backend.release();
    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeInTheDocument();
    expect(screen.getByRole("status")).not.toHaveTextContent("Loading");
  });

  it("shows the empty state when there are no todos", async () => {
    await renderLoaded(new FakeBackend());
    expect(screen.getByText("Nothing to do yet. Add your first todo above.")).toBeInTheDocument();
    expect(screen.queryByRole("list", { name: "Todos" })).not.toBeInTheDocument();
  });

  it("shows the backend's error and loads again on Try again", async () => {
    const backend = new FakeBackend([makeTodo("Survives the outage")]);
    backend.failNext("GET", 503, { error: "Service Unavailable", message: "database is not answering" });
    const { user } = await renderLoaded(backend);
    expect(screen.getByRole("alert")).toHaveTextContent("Could not load todos: database is not answering");
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("checkbox", { name: "Survives the outage" })).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("lists the todos newest first with their completed state", async () => {
    const older = makeTodo("Older", true);
    const newer = makeTodo("Newer");
    await renderLoaded(new FakeBackend([newer, older]));
    expect(todoTitles()).toEqual(["Newer", "Older"]);
    expect(screen.getByRole("checkbox", { name: "Older" })).toBeChecked();
    expect(screen.getByRole("checkbox", { name: "Newer" })).not.toBeChecked();
  });
});

describe("TodoApp actions", () => {
  it("adds a todo with Enter, puts it on top and clears the field", async () => {
    const backend = new FakeBackend([makeTodo("Existing")]);
    const { user } = await renderLoaded(backend);
    await user.type(screen.getByLabelText("New todo"), "  Water the plants {Enter}");
    expect(await screen.findByRole("checkbox", { name: "Water the plants" })).toBeInTheDocument();
    expect(todoTitles()).toEqual(["Water the plants", "Existing"]);
    expect(screen.getByLabelText("New todo")).toHaveValue("");
    expect(screen.getByRole("status")).toHaveTextContent("Added “Water the plants”");
    expect(backend.requests.find((r) => r.method === "POST")?.body).toEqual({ title: "Water the plants" });
  });

  it("will not add a blank title", async () => {
    const backend = new FakeBackend();
    const { user } = await renderLoaded(backend);
    await user.type(screen.getByLabelText("New todo"), "   {Enter}");
    expect(screen.getByRole("button", { name: "Add" })).toBeDisabled();
    expect(backend.requests.some((r) => r.method === "POST")).toBe(false);
  });

  it("keeps the typed title and shows the reason when adding fails", async () => {
    const backend = new FakeBackend();
    backend.failNext("POST", 400, {
      error: "Bad Request",
      message: "body/title must NOT have more than 500 characters",
    });
    const { user } = await renderLoaded(backend);
    await user.type(screen.getByLabelText("New todo"), "Too long{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Could not add the todo: body/title must NOT have more than 500 characters",
    );
    expect(screen.getByLabelText("New todo")).toHaveValue("Too long");
  });

  it("edits a title with the keyboard and returns focus to the Edit button", async () => {
    const todo = makeTodo("Draft report");
    const backend = new FakeBackend([todo]);
    const { user } = await renderLoaded(backend);
    await user.click(screen.getByRole("button", { name: "Edit Draft report" }));
    const field = screen.getByRole("textbox", { name: "New title for Draft report" });
    expect(field).toHaveFocus();
    await user.clear(field);
    await user.type(field, "Final report{Enter}");
    expect(await screen.findByRole("checkbox", { name: "Final report" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Edit Final report" })).toHaveFocus();
    expect(backend.requests.at(-1)).toMatchObject({
      method: "PATCH",
      path: `/api/todos/${todo.id}`,
      body: { title: "Final report" },
    });
  });

  it("cancels an edit with Escape without calling the backend", async () => {
    const backend = new FakeBackend([makeTodo("Keep me")]);
    const { user } = await renderLoaded(backend);
    await user.click(screen.getByRole("button", { name: "Edit Keep me" }));
    await user.type(screen.getByRole("textbox", { name: "New title for Keep me" }), " changed{Escape}");
    expect(screen.getByRole("checkbox", { name: "Keep me" })).toBeInTheDocument();
    expect(backend.requests.some((r) => r.method === "PATCH")).toBe(false);
  });

  it("toggles a todo with the space bar", async () => {
    const todo = makeTodo("Call mum");
    const backend = new FakeBackend([todo]);
    const { user } = await renderLoaded(backend);
    screen.getByRole("checkbox", { name: "Call mum" }).focus();
    await user.keyboard(" ");
    await waitFor(() => expect(screen.getByRole("checkbox", { name: "Call mum" })).toBeChecked());
    expect(backend.requests.at(-1)).toMatchObject({ method: "PATCH", body: { completed: true } });
    expect(screen.getByRole("status")).toHaveTextContent("Marked “Call mum” as completed");
  });

  it("deletes a todo and says so", async () => {
    const backend = new FakeBackend([makeTodo("Stay"), makeTodo("Go away")]);
    const { user } = await renderLoaded(backend);
    await user.click(screen.getByRole("button", { name: "Delete Go away" }));
    await waitFor(() => expect(todoTitles()).toEqual(["Stay"]));
    expect(backend.todos.map((t) => t.title)).toEqual(["Stay"]);
    expect(screen.getByRole("status")).toHaveTextContent("Deleted “Go away”");
  });

  it("keeps a todo and shows an alert when deleting fails", async () => {
    const backend = new FakeBackend([makeTodo("Sticky")]);
    backend.failNext("DELETE", 500, { error: "Internal Server Error", message: "try later" });
    const { user } = await renderLoaded(backend);
    await user.click(screen.getByRole("button", { name: "Delete Sticky" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not delete “Sticky”: try later");
    expect(todoTitles()).toEqual(["Sticky"]);
  });
});

describe("TodoApp filter and paging", () => {
  it("filters active and completed todos through the API", async () => {
    const backend = new FakeBackend([makeTodo("Open task"), makeTodo("Done task", true)]);
    const { user } = await renderLoaded(backend);
    await user.click(screen.getByRole("button", { name: "Active" }));
    await waitFor(() => expect(todoTitles()).toEqual(["Open task"]));
    expect(screen.getByRole("button", { name: "Active" })).toHaveAttribute("aria-pressed", "true");
    expect(backend.requests.at(-1)?.query.get("status")).toBe("active");

    await user.click(screen.getByRole("button", { name: "Completed" }));
    await waitFor(() => expect(todoTitles()).toEqual(["Done task"]));
    // Un-completing under the Completed filter takes it out of this view.
    await user.click(screen.getByRole("checkbox", { name: "Done task" }));
    expect(await screen.findByText("No completed todos yet.")).toBeInTheDocument();
  });

  it("ignores a slow answer for a filter the user already left", async () => {
    const backend = new FakeBackend([makeTodo("Open task"), makeTodo("Done task", true)]);
    const { user } = await renderLoaded(backend);
    backend.hold();
    await user.click(screen.getByRole("button", { name: "Completed" }));
    await user.click(screen.getByRole("button", { name: "All" }));
    // The All answer arrives first; the stale Completed one after it must not replace it.
    backend.release({ newestFirst: true });
    await waitFor(() => expect(todoTitles()).toEqual(["Open task", "Done task"]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(todoTitles()).toEqual(["Open task", "Done task"]);
  });

  it("loads more pages with the cursor until there are none", async () => {
    const todos = ["Five", "Four", "Three", "Two", "One"].map((title) => makeTodo(title));
    const backend = new FakeBackend(todos);
    const { user } = await renderLoaded(backend, 2);
    expect(todoTitles()).toEqual(["Five", "Four"]);
    await user.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(todoTitles()).toEqual(["Five", "Four", "Three", "Two"]));
    expect(backend.requests.at(-1)?.query.get("cursor")).toBe(todos[1]?.id);
    await user.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(todoTitles()).toHaveLength(5));
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  });
});
