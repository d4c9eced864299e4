// Moved to @outpost/platform (intake uses it too); kept here so existing imports stay valid.
export { AfterCommit } from '@outpost/platform';
