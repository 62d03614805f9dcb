// strftime for SSI's `#config timefmt`: the conversions httpd pages use
// (C locale names; %Z is "GMT" for DATE_GMT, the local zone's abbreviation
// otherwise). Unknown conversions are copied as they are.

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** httpd's default timefmt. */
export const DEFAULT_TIMEFMT = '%A, %d-%b-%Y %H:%M:%S %Z';

interface Fields {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
  second: number;
  yearDay: number;
  /** Minutes east of UTC. */
  offset: number;
  zone: string;
}

function fields(date: Date, gmt: boolean): Fields {
  if (gmt) {
    const start = Date.UTC(date.getUTCFullYear(), 0, 1);
    return {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth(),
      day: date.getUTCDate(),
      weekday: date.getUTCDay(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
      yearDay: Math.floor((date.getTime() - start) / 86400000),
      offset: 0,
      zone: 'GMT',
    };
  }
  const start = new Date(date.getFullYear(), 0, 1);
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return {
    year: date.getFullYear(),
    month: date.getMonth(),
    day: date.getDate(),
    weekday: date.getDay(),
    hour: date.getHours(),
    minute: date.getMinutes(),
    second: date.getSeconds(),
    yearDay: Math.round((new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime() - start.getTime()) / 86400000),
    offset: -date.getTimezoneOffset(),
    zone,
  };
}

const pad = (n: number, w = 2, c = '0'): string => String(n).padStart(w, c);

/** Formats date with a C strftime format; gmt picks UTC fields, else local time. */
export function strftime(format: string, date: Date, gmt: boolean): string {
  const f = fields(date, gmt);
  return format.replace(/%([a-zA-Z%])/g, (all, c: string) => {
    switch (c) {
      case 'a': return DAYS[f.weekday]!.slice(0, 3);
      case 'A': return DAYS[f.weekday]!;
      case 'b':
      case 'h': return MONTHS[f.month]!.slice(0, 3);
      case 'B': return MONTHS[f.month]!;
      case 'c': return `${DAYS[f.weekday]!.slice(0, 3)} ${MONTHS[f.month]!.slice(0, 3)} ${pad(f.day, 2, ' ')} ${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)} ${f.year}`;
      case 'C': return pad(Math.floor(f.year / 100));
      case 'd': return pad(f.day);
      case 'D': return `${pad(f.month + 1)}/${pad(f.day)}/${pad(f.year % 100)}`;
      case 'e': return pad(f.day, 2, ' ');
      case 'F': return `${f.year}-${pad(f.month + 1)}-${pad(f.day)}`;
      case 'H': return pad(f.hour);
      case 'I': return pad(f.hour % 12 === 0 ? 12 : f.hour % 12);
      case 'j': return pad(f.yearDay + 1, 3);
      case 'k': return pad(f.hour, 2, ' ');
      case 'l': return pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2, ' ');
      case 'm': return pad(f.month + 1);
      case 'M': return pad(f.minute);
      case 'n': return '\n';
      case 'p': return f.hour < 12 ? 'AM' : 'PM';
      case 'r': return `${pad(f.hour % 12 === 0 ? 12 : f.hour % 12)}:${pad(f.minute)}:${pad(f.second)} ${f.hour < 12 ? 'AM' : 'PM'}`;
      case 'R': return `${pad(f.hour)}:${pad(f.minute)}`;
      case 's': return String(Math.floor(date.getTime() / 1000));
      case 'S': return pad(f.second);
      case 't': return '\t';
      case 'T': return `${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}`;
      case 'u': return String(f.weekday === 0 ? 7 : f.weekday);
      case 'w': return String(f.weekday);
      case 'x': return `${pad(f.month + 1)}/${pad(f.day)}/${pad(f.year % 100)}`;
      case 'X': return `${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}`;
      case 'y': return pad(f.year % 100);
      case 'Y': return String(f.year);
      case 'z': {
        const a = Math.abs(f.offset);
        return `${f.offset < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
      }
      case 'Z': return f.zone;
      case '%': return '%';
      default: return all;
    }
  });
}
