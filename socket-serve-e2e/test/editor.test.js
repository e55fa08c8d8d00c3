// Collaborative editing: open the same document, see who else is in it, edits and cursor
// positions reach the other viewers.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeAll, countIs, launch, noProblems, online, openPage, screenshot, seeText, textIs, unique } from './helpers.js';

let browser;
before(async () => {
  browser = await launch();
});
afterEach(closeAll);
after(async () => {
  await browser?.close();
});

async function editorUser(name, docId) {
  const page = await openPage(browser, `/editor.html?name=${name}&doc=${docId}`);
  await online(page);
  await textIs(page, '#doc-title', docId);
  await page.locator('#doc:not([disabled])').waitFor();
  return page;
}

/** Waits until the textarea holds exactly `text`. */
async function docIs(page, text) {
  try {
    await page.waitForFunction((want) => document.getElementById('doc').value === want, text);
  } catch (err) {
    throw new Error(`expected the document to be ${JSON.stringify(text)}, got ${JSON.stringify(await page.inputValue('#doc'))}`);
  }
}

test('two viewers of one document see each other, each other’s edits and cursors', async () => {
  const docId = unique('spec');
  const ada = await editorUser('ada', docId);
  await ada.locator('#doc').pressSequentially('Hello');

  // bob opens it: both list both viewers, bob gets the current text
  const bob = await editorUser('bob', docId);
  await docIs(bob, 'Hello');
  await seeText(ada, '#viewers li', 'bob');
  await seeText(bob, '#viewers li', 'ada');
  await countIs(ada, '#viewers li', 2);
  await countIs(bob, '#viewers li', 2);
  await seeText(ada, '#activity li', 'bob opened the document');

  // ada types at the end, then a new line: bob sees every keystroke land
  await ada.locator('#doc').press('End');
  await ada.locator('#doc').pressSequentially(' world');
  await ada.locator('#doc').press('Enter');
  await ada.locator('#doc').pressSequentially('second line');
  await docIs(bob, 'Hello world\nsecond line');
  // ... and where ada's cursor is: end of line 2
  const adaRow = '#viewers li[data-user-id]:not(.self)';
  await textIs(bob, `${adaRow} .cursor-pos`, 'Ln 2, Col 12');
  await seeText(bob, '#backdrop .caret .caret-label', 'ada');

  // bob moves to the start and inserts: ada's text changes, her own cursor stays after her text
  await bob.locator('#doc').click();
  await bob.locator('#doc').press('Control+Home');
  await textIs(ada, `${adaRow} .cursor-pos`, 'Ln 1, Col 1');
  await bob.locator('#doc').pressSequentially('# ');
  await docIs(ada, '# Hello world\nsecond line');
  await textIs(ada, `${adaRow} .cursor-pos`, 'Ln 1, Col 3');
  const adaCaret = await ada.evaluate(() => document.getElementById('doc').selectionStart);
  assert.equal(adaCaret, '# Hello world\nsecond line'.length, "a remote insert before ada's cursor shifts it");
  await ada.locator('#doc').pressSequentially('!');
  await docIs(bob, '# Hello world\nsecond line!');

  // a selection is a cursor too; deleting it reaches the other side
  await bob.evaluate(() => {
    const doc = document.getElementById('doc');
    doc.focus();
    doc.setSelectionRange(8, 13); // "world"
  });
  await textIs(ada, `${adaRow} .cursor-pos`, 'Ln 1, Col 9');
  await bob.locator('#doc').press('Backspace');
  await bob.locator('#doc').pressSequentially('there');
  await docIs(ada, '# Hello there\nsecond line!');

  // a third viewer comes and goes
  const cy = await editorUser('cy', docId);
  await docIs(cy, '# Hello there\nsecond line!');
  await countIs(ada, '#viewers li', 3);
  await countIs(cy, '#viewers li', 3);
  await cy.click('#close');
  await seeText(ada, '#activity li', 'cy left');
  await countIs(ada, '#viewers li', 2);
  await countIs(bob, '#viewers li', 2);

  await bob.locator('#doc').press('Control+End');
  await bob.locator('#doc').pressSequentially('\nthird line from bob');
  await docIs(ada, '# Hello there\nsecond line!\nthird line from bob');
  await textIs(ada, `${adaRow} .cursor-pos`, 'Ln 3, Col 20');
  await screenshot(ada, 'editor');
  for (const page of [ada, bob, cy]) noProblems(page);
});

test('presence: a user with two windows is one viewer; cursor moves (volatile) show on the others', async () => {
  const docId = unique('notes');
  const ada = await editorUser('ada', docId);
  await ada.locator('#doc').pressSequentially('Hello there');
  const bob = await editorUser('bob', docId);
  await docIs(bob, 'Hello there');
  const ada2 = await editorUser('ada', docId);
  await docIs(ada2, 'Hello there');
  // three windows, two users
  for (const page of [ada, ada2, bob]) await countIs(page, '#viewers li', 2);
  await seeText(bob, '#viewers li[data-user-id="ada"] .viewer-name', 'ada');
  await seeText(ada2, '#viewers li.self[data-user-id="ada"]', 'ada (you)');

  // ada moves her cursor in her second window: bob sees where, with a caret labelled "ada"
  await ada2.evaluate(() => {
    const doc = document.getElementById('doc');
    doc.focus();
    doc.setSelectionRange(5, 5);
  });
  await textIs(bob, '#viewers li[data-user-id="ada"] .cursor-pos', 'Ln 1, Col 6');
  await seeText(bob, '#backdrop .caret .caret-label', 'ada');
  await bob.locator('#doc').click();
  await bob.locator('#doc').press('Control+End');
  await textIs(ada2, '#viewers li[data-user-id="bob"] .cursor-pos', 'Ln 1, Col 12');
  await screenshot(bob, 'editor-presence');

  // one of ada's windows closes: ada is still viewing; her last one closes: she is gone, carets too
  await ada2.close();
  await countIs(bob, '#backdrop .caret', 1);
  await countIs(bob, '#viewers li', 2);
  await ada.close();
  await countIs(bob, '#viewers li', 1);
  await countIs(bob, '#backdrop .caret', 0);
  noProblems(bob);
});
