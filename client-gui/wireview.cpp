// SPDX-License-Identifier: MIT
#include "wireview.h"

#include "chatclient.h"
#include "wireevent.h"
#include "wiremodel.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

WireView::WireView(ChatClient *client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_model(new WireModel(this))
    , m_filter(new QSortFilterProxyModel(this))
    , m_table(new QTableView(this))
    , m_typeFilter(new QComboBox(this))
    , m_pauseButton(new QToolButton(this))
    , m_statusLabel(new QLabel(this))
    , m_json(new QPlainTextEdit(this))
    , m_hex(new QPlainTextEdit(this))
{
    m_filter->setSourceModel(m_model);
    m_filter->setFilterRole(WireModel::FilterKeyRole);

    m_table->setModel(m_filter);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 4);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->setColumnWidth(
        WireModel::TimeColumn,
        m_table->fontMetrics().horizontalAdvance(QStringLiteral("00:00:00.000__")));
    m_table->setColumnWidth(
        WireModel::DirectionColumn,
        m_table->fontMetrics().horizontalAdvance(QStringLiteral("• timeline___")));
    m_table->setColumnWidth(WireModel::BytesColumn,
                            m_table->fontMetrics().horizontalAdvance(QStringLiteral("0000000__")));
    m_table->setColumnWidth(
        WireModel::TypeColumn,
        m_table->fontMetrics().horizontalAdvance(QStringLiteral("(not JSON)__")));
    m_table->setAccessibleName(tr("Wire events"));

    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    for (QPlainTextEdit *pane : { m_json, m_hex }) {
        pane->setReadOnly(true);
        pane->setFont(fixed);
        pane->setLineWrapMode(QPlainTextEdit::NoWrap);
    }
    m_json->setPlaceholderText(tr("Select a row to see its JSON."));
    m_hex->setPlaceholderText(tr("…and its bytes."));
    m_json->setAccessibleName(tr("JSON of the selected event"));
    m_hex->setAccessibleName(tr("Bytes of the selected event"));

    m_typeFilter->addItem(tr("All events"), QString());
    m_typeFilter->addItem(tr("Frames"), QStringLiteral("^frame:"));
    m_typeFilter->addItem(tr("Reads"), QStringLiteral("^read$"));
    m_typeFilter->addItem(tr("Timeline"), QStringLiteral("^(timeline|rtt)$"));
    m_typeFilter->setToolTip(tr("Show only these events"));
    m_typeFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);

    m_pauseButton->setText(tr("Pause"));
    m_pauseButton->setCheckable(true);
    m_pauseButton->setToolTip(tr("Stop adding events, to read what is there"));
    auto *clearButton = new QToolButton(this);
    clearButton->setText(tr("Clear"));
    auto *saveButton = new QToolButton(this);
    saveButton->setText(tr("Save…"));
    saveButton->setToolTip(tr("Save the events as text, one line each"));
    auto *pingButton = new QToolButton(this);
    pingButton->setText(tr("Ping"));
    pingButton->setToolTip(tr("Measure the round trip to the server now"));

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(new QLabel(tr("Show:"), this));
    bar->addWidget(m_typeFilter);
    bar->addWidget(m_pauseButton);
    bar->addWidget(clearButton);
    bar->addWidget(saveButton);
    bar->addWidget(pingButton);
    bar->addWidget(m_statusLabel, 1);

    auto *details = new QSplitter(Qt::Horizontal, this);
    details->addWidget(m_json);
    details->addWidget(m_hex);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(details);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(m_client, &ChatClient::wireEvent, this, &WireView::onWireEvent);
    connect(m_model, &WireModel::typeSeen, this, [this](const QString &type) {
        m_typeFilter->addItem(type,
                              QStringLiteral("^frame:%1$").arg(QRegularExpression::escape(type)));
    });
    connect(m_typeFilter, &QComboBox::currentIndexChanged, this, &WireView::applyFilter);
    connect(m_pauseButton, &QToolButton::toggled, this, &WireView::setPaused);
    connect(clearButton, &QToolButton::clicked, this, &WireView::clear);
    connect(saveButton, &QToolButton::clicked, this, &WireView::save);
    connect(pingButton, &QToolButton::clicked, this, [this] {
        const SendResult result = m_client->pingServer();
        if (!result.isAccepted())
            m_statusLabel->setText(result.reason);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &WireView::showDetails);
    updateStatus();
}

void WireView::onWireEvent(const WireEvent &event)
{
    if (event.kind == WireEvent::Kind::RoundTrip)
        m_roundTripMs = event.roundTripMs;
    if (isPaused()) {
        ++m_skipped;
        updateStatus();
        return;
    }
    // Follows new rows only when the user has not scrolled up to read.
    QScrollBar *scroll = m_table->verticalScrollBar();
    const bool atEnd = scroll->value() == scroll->maximum();
    m_model->append(event);
    if (atEnd)
        m_table->scrollToBottom();
    updateStatus();
}

void WireView::setPaused(bool paused)
{
    m_pauseButton->setChecked(paused);
    if (!paused)
        m_skipped = 0;
    updateStatus();
}

bool WireView::isPaused() const
{
    return m_pauseButton->isChecked();
}

void WireView::clear()
{
    m_model->clear();
    while (m_typeFilter->count() > 4)
        m_typeFilter->removeItem(m_typeFilter->count() - 1);
    m_skipped = 0;
    showDetails();
    updateStatus();
}

void WireView::updateStatus()
{
    QString text = tr("%n event(s) of at most %1", nullptr, int(m_model->rowCount()))
                       .arg(WireModel::MaxEvents);
    if (m_roundTripMs >= 0)
        text += tr(" · round trip %1 ms").arg(m_roundTripMs, 0, 'f', 1);
    if (isPaused())
        text += tr(" · paused, %n not shown", nullptr, int(m_skipped));
    else if (m_model->rowCount() == 0)
        text = tr("Nothing yet: the session is traced only while this view is open.");
    m_statusLabel->setText(text);
}

void WireView::applyFilter()
{
    m_filter->setFilterRegularExpression(m_typeFilter->currentData().toString());
}

void WireView::showDetails()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    if (!current.isValid()) {
        m_json->clear();
        m_hex->clear();
        return;
    }
    const WireEvent &event = m_model->event(m_filter->mapToSource(current).row());
    QString json;
    if (event.isFrame()) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(event.raw, &error);
        json = error.error == QJsonParseError::NoError
            ? QString::fromUtf8(document.toJson(QJsonDocument::Indented))
            : tr("Not valid JSON (%1):\n%2")
                  .arg(event.isTruncated()
                           ? tr("only the first %1 bytes are kept").arg(WireEvent::MaxRawBytes)
                           : error.errorString(),
                       QString::fromUtf8(event.raw));
    } else {
        json = event.toText();
    }
    m_json->setPlainText(json);
    m_hex->setPlainText(hexDump(event.raw));
}

QString WireView::jsonText() const
{
    return m_json->toPlainText();
}

QString WireView::hexText() const
{
    return m_hex->toPlainText();
}

QString WireView::hexDump(const QByteArray &bytes)
{
    QString dump;
    for (qsizetype offset = 0; offset < bytes.size(); offset += 16) {
        const QByteArray row = bytes.mid(offset, 16);
        QString hex;
        QString ascii;
        for (qsizetype i = 0; i < 16; ++i) {
            if (i == 8)
                hex += u' ';
            if (i < row.size()) {
                const uchar byte = uchar(row.at(i));
                hex += QStringLiteral("%1 ").arg(byte, 2, 16, QLatin1Char('0'));
                ascii += byte >= 0x20 && byte < 0x7f ? QChar(char16_t(byte)) : QChar(u'.');
            } else {
                hex += QStringLiteral("   ");
            }
        }
        dump += QStringLiteral("%1  %2 %3\n").arg(offset, 8, 16, QLatin1Char('0')).arg(hex, ascii);
    }
    return dump;
}

bool WireView::saveTo(const QString &path, QString *error) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    for (const WireEvent &event : m_model->events())
        file.write(event.toText().toUtf8() + '\n');
    if (!file.flush()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

void WireView::save()
{
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save Wire Events"), QStringLiteral("pynet-wire.txt"),
                                     tr("Text files (*.txt);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!saveTo(path, &error))
        QMessageBox::warning(this, tr("Save Wire Events"),
                             tr("Could not save to %1: %2").arg(path, error));
}
