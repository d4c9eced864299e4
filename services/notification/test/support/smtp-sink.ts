// Moved to @outpost/testing (intake's tests use it too).
export { parseMail, SmtpSink, type ReceivedMail } from '@outpost/testing';
