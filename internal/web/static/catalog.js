// pubdata catalog console: the item editor of the drafting form. Without
// this file the form offers empty rows (blank rows are ignored on save);
// with it, rows can be added and removed, and are renumbered so that the
// fields post as items[0].name, items[1].name, … in the order shown.
(function () {
  'use strict';
  var table = document.querySelector('table[data-items]');
  if (!table) { return; }
  var tbody = table.tBodies[0];
  var add = document.querySelector('[data-add-item]');

  function renumber() {
    var rows = tbody.querySelectorAll('tr[data-item-row]');
    for (var i = 0; i < rows.length; i++) {
      var n = rows[i].querySelector('td.n');
      if (n) { n.textContent = String(i + 1); }
      var fields = rows[i].querySelectorAll('[name^="items["]');
      for (var j = 0; j < fields.length; j++) {
        fields[j].name = fields[j].name.replace(/^items\[\d+\]/, 'items[' + i + ']');
      }
    }
  }

  function clear(row) {
    var fields = row.querySelectorAll('input, select, textarea');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === 'checkbox') { f.checked = false; } else if (f.tagName === 'SELECT') { f.selectedIndex = 0; } else { f.value = ''; }
      f.removeAttribute('aria-invalid');
    }
    var errs = row.querySelectorAll('.ferr');
    for (var k = 0; k < errs.length; k++) { errs[k].remove(); }
    var cells = row.querySelectorAll('.has-err');
    for (var m = 0; m < cells.length; m++) { cells[m].classList.remove('has-err'); }
  }

  var buttons = document.querySelectorAll('[data-remove-item]');
  for (var i = 0; i < buttons.length; i++) { buttons[i].hidden = false; }
  if (add) {
    add.hidden = false;
    add.addEventListener('click', function () {
      var rows = tbody.querySelectorAll('tr[data-item-row]');
      var row = rows[rows.length - 1].cloneNode(true);
      clear(row);
      tbody.appendChild(row);
      renumber();
      var first = row.querySelector('input[name$=".name"]');
      if (first) { first.focus(); }
    });
  }
  tbody.addEventListener('click', function (ev) {
    var btn = ev.target.closest && ev.target.closest('[data-remove-item]');
    if (!btn) { return; }
    var row = btn.closest('tr');
    if (tbody.querySelectorAll('tr[data-item-row]').length > 1) {
      row.remove();
    } else {
      clear(row);
    }
    renumber();
  });
})();
