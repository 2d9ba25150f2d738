import { copseImpl } from "./copse.js";

export const impl = copseImpl("for-await");
