// The emoji picker's set: bundled with the app, nothing fetched. Each with a name for screen readers.

export type Emoji = { char: string; name: string };

export const EMOJI: readonly Emoji[] = [
  { char: "👍", name: "thumbs up" }, { char: "👎", name: "thumbs down" }, { char: "❤️", name: "red heart" },
  { char: "😂", name: "face with tears of joy" }, { char: "😮", name: "face with open mouth" }, { char: "😢", name: "crying face" },
  { char: "🙏", name: "folded hands" }, { char: "😀", name: "grinning face" }, { char: "😃", name: "grinning face with big eyes" },
  { char: "😄", name: "grinning face with smiling eyes" }, { char: "😁", name: "beaming face" }, { char: "😅", name: "grinning face with sweat" },
  { char: "🤣", name: "rolling on the floor laughing" }, { char: "🙂", name: "slightly smiling face" }, { char: "😉", name: "winking face" },
  { char: "😊", name: "smiling face with smiling eyes" }, { char: "😇", name: "smiling face with halo" }, { char: "🥰", name: "smiling face with hearts" },
  { char: "😍", name: "smiling face with heart-eyes" }, { char: "😘", name: "face blowing a kiss" }, { char: "😋", name: "face savoring food" },
  { char: "😜", name: "winking face with tongue" }, { char: "🤪", name: "zany face" }, { char: "🤔", name: "thinking face" },
  { char: "🤨", name: "face with raised eyebrow" }, { char: "😐", name: "neutral face" }, { char: "🙄", name: "face with rolling eyes" },
  { char: "😏", name: "smirking face" }, { char: "😬", name: "grimacing face" }, { char: "😌", name: "relieved face" },
  { char: "😴", name: "sleeping face" }, { char: "🤒", name: "face with thermometer" }, { char: "🤯", name: "exploding head" },
  { char: "🥳", name: "partying face" }, { char: "😎", name: "smiling face with sunglasses" }, { char: "😕", name: "confused face" },
  { char: "😟", name: "worried face" }, { char: "😭", name: "loudly crying face" }, { char: "😱", name: "face screaming in fear" },
  { char: "😡", name: "pouting face" }, { char: "🤗", name: "smiling face with open hands" }, { char: "🤝", name: "handshake" },
  { char: "👏", name: "clapping hands" }, { char: "🙌", name: "raising hands" }, { char: "👋", name: "waving hand" },
  { char: "✌️", name: "victory hand" }, { char: "👌", name: "OK hand" }, { char: "💪", name: "flexed biceps" },
  { char: "👀", name: "eyes" }, { char: "🔥", name: "fire" }, { char: "✨", name: "sparkles" },
  { char: "🎉", name: "party popper" }, { char: "💯", name: "hundred points" }, { char: "✅", name: "check mark button" },
  { char: "❌", name: "cross mark" }, { char: "⭐", name: "star" }, { char: "💡", name: "light bulb" },
  { char: "☕", name: "hot beverage" }, { char: "🍕", name: "pizza" }, { char: "🚀", name: "rocket" },
  { char: "💔", name: "broken heart" }, { char: "💙", name: "blue heart" },
];
