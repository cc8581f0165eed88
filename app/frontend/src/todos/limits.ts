// Mirrors the backend's limit (app/api TITLE_MAX_LENGTH). The value is copied, not imported, so
// the browser bundle never pulls in TypeBox; todo.test.tsx fails if the two drift apart.
export const TITLE_MAX_LENGTH = 500;
